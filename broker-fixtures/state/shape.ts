/**
 * A small checker for the shapes of stored records: each check returns what is wrong, with the path
 * to it (`principals[2]: expected a string`), or undefined. Records come from files a user may have
 * edited or a disk may have damaged, so nothing is assumed of them.
 */
export type Check = (value: unknown, path: string) => string | undefined;

const at = (path: string, problem: string): string => (path ? `${path}: ${problem}` : problem);

export const str: Check = (v, p) => (typeof v === 'string' ? undefined : at(p, 'expected a string'));
export const bool: Check = (v, p) => (typeof v === 'boolean' ? undefined : at(p, 'expected true or false'));
export const num: Check = (v, p) =>
  typeof v === 'number' && Number.isFinite(v) ? undefined : at(p, 'expected a number');
export const int: Check = (v, p) => (Number.isSafeInteger(v) ? undefined : at(p, 'expected a whole number'));
/** Anything JSON can hold: the payload of a shadow or a job document. */
export const any: Check = () => undefined;

export function oneOf(...values: readonly string[]): Check {
  return (v, p) =>
    typeof v === 'string' && values.includes(v)
      ? undefined
      : at(p, `expected one of ${values.join(', ')}, not ${JSON.stringify(v)}`);
}

export function matches(pattern: RegExp, what: string): Check {
  return (v, p) => (typeof v === 'string' && pattern.test(v) ? undefined : at(p, `expected ${what}`));
}

export function arrayOf(item: Check): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return at(p, 'expected an array');
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function recordOf(item: Check): Check {
  return (v, p) => {
    if (!isRecord(v)) return at(p, 'expected an object');
    for (const [k, x] of Object.entries(v)) {
      const problem = item(x, p ? `${p}.${k}` : k);
      if (problem) return problem;
    }
    return undefined;
  };
}

export interface Fields {
  [name: string]: Check | { optional: Check };
}

export const optional = (check: Check): { optional: Check } => ({ optional: check });

/** An object with these fields (others are allowed: a newer version may add some). */
export function object(fields: Fields): Check {
  return (v, p) => {
    if (!isRecord(v)) return at(p, 'expected an object');
    for (const [name, spec] of Object.entries(fields)) {
      const path = p ? `${p}.${name}` : name;
      const value = Object.hasOwn(v, name) ? v[name] : undefined;
      if (typeof spec === 'function') {
        if (value === undefined) return at(path, 'missing');
        const problem = spec(value, path);
        if (problem) return problem;
      } else if (value !== undefined) {
        const problem = spec.optional(value, path);
        if (problem) return problem;
      }
    }
    return undefined;
  };
}

/** Also the key the record is filed under must equal one of its fields. */
export function keyed(field: string, check: Check): (key: string, value: unknown) => string | undefined {
  return (key, value) => {
    const problem = check(value, '');
    if (problem) return problem;
    const own = (value as Record<string, unknown>)[field];
    return own === key
      ? undefined
      : `${field} is ${JSON.stringify(own)} but the record is filed under ${JSON.stringify(key)}`;
  };
}
