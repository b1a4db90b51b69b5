/**
 * JSON from clients, read without trusting it: the nesting is measured on the text before anything
 * is parsed, so no recursive walk (ours or `JSON.stringify`'s) can overflow the stack on a document
 * nested thousands of levels deep, and numbers JSON cannot carry back (`1e400` parses to Infinity
 * and would be written as `null`) are refused instead of silently changed.
 */

/** Deepest nesting of objects and arrays in `text`; scanning stops once `limit` is passed. */
export function nestingDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/** True when a parsed value holds a number that is not finite (only from overflowing literals). */
export function hasNonFiniteNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (Array.isArray(value)) return value.some(hasNonFiniteNumber);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasNonFiniteNumber);
  return false;
}

export type SafeJson =
  { ok: true; value: unknown } | { ok: false; problem: 'depth' | 'syntax' | 'number'; message: string };

/** Nesting allowed in console bodies, job requests and documents: far past real use, far below the stack. */
export const MAX_JSON_DEPTH = 100;

export function parseJsonSafely(text: string, maxDepth = MAX_JSON_DEPTH): SafeJson {
  if (nestingDepth(text, maxDepth) > maxDepth) {
    return { ok: false, problem: 'depth', message: `JSON nested deeper than ${maxDepth} levels` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: 'syntax', message: (err as Error).message };
  }
  if (hasNonFiniteNumber(value)) {
    return { ok: false, problem: 'number', message: 'a number is too large for JSON (e.g. 1e400)' };
  }
  return { ok: true, value };
}
