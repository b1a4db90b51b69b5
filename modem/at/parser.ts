import { AtError, CmeError } from './errors.js';

export type CommandForm = 'exec' | 'read' | 'test' | 'set';

export type AtParam =
  { kind: 'empty' } | { kind: 'string'; value: string } | { kind: 'token'; value: string };

export interface ParsedCommand {
  /** Upper-cased name with its prefix: `+CGSN`, `%XICCID`, `#XSOCKET`, or a basic command like `E`. */
  name: string;
  form: CommandForm;
  /** Parameter text as typed after `=` (set form) or after a basic command's letter. */
  raw: string;
  params: AtParam[];
}

const NAME = /^[A-Za-z0-9_]+/;

/**
 * Parses one command line (without its terminator) into the commands it chains with `;`
 * (`AT+CFUN=4;+CFUN?`). Throws a syntax AtError when the line is not an AT command line.
 */
export function parseCommandLine(line: string): ParsedCommand[] {
  const trimmed = line.trim();
  if (trimmed.length < 2 || trimmed.slice(0, 2).toUpperCase() !== 'AT') {
    throw AtError.syntax('not an AT command');
  }
  const body = trimmed.slice(2);
  if (body.length === 0) return [{ name: '', form: 'exec', raw: '', params: [] }];
  const segments = splitOutsideQuotes(body, ';');
  const commands: ParsedCommand[] = [];
  segments.forEach((segment, index) => {
    const s = segment.trim();
    if (s.length === 0) {
      // A trailing ';' is allowed (`AT+CFUN?;`); an empty command in the middle is not.
      if (index === segments.length - 1 && index > 0) return;
      throw AtError.syntax('empty command in chain');
    }
    commands.push(parseCommand(s, index === 0));
  });
  return commands;
}

function parseCommand(s: string, first: boolean): ParsedCommand {
  const prefix = s[0] as string;
  if (prefix === '+' || prefix === '%' || prefix === '#') {
    const m = NAME.exec(s.slice(1));
    if (!m) throw AtError.syntax('missing command name');
    const name = prefix + m[0].toUpperCase();
    const rest = s.slice(1 + m[0].length);
    if (rest === '') return { name, form: 'exec', raw: '', params: [] };
    if (rest === '?') return { name, form: 'read', raw: '', params: [] };
    if (rest === '=?') return { name, form: 'test', raw: '', params: [] };
    if (rest.startsWith('=')) {
      const raw = rest.slice(1);
      return { name, form: 'set', raw, params: parseParams(raw) };
    }
    throw AtError.syntax('unexpected text after command name');
  }
  // Basic (V.250) commands such as E0/E1 are only valid first in a line.
  if (!first) throw AtError.syntax('basic command inside a chain');
  const m = /^([A-Za-z])(\d*)$/.exec(s);
  if (!m) throw AtError.syntax('malformed basic command');
  const digits = m[2] as string;
  return {
    name: (m[1] as string).toUpperCase(),
    form: digits === '' ? 'exec' : 'set',
    raw: digits,
    params: digits === '' ? [] : [{ kind: 'token', value: digits }],
  };
}

/** Splits comma-separated parameters; quoted strings keep commas, CR and LF; an empty field is 'empty'. */
export function parseParams(raw: string): AtParam[] {
  if (raw.trim() === '') return [];
  return splitOutsideQuotes(raw, ',').map((field): AtParam => {
    const f = field.trim();
    if (f === '') return { kind: 'empty' };
    if (f.startsWith('"')) {
      if (f.length < 2 || !f.endsWith('"') || f.slice(1, -1).includes('"')) {
        throw AtError.syntax('malformed quoted string');
      }
      return { kind: 'string', value: f.slice(1, -1) };
    }
    if (f.includes('"')) throw AtError.syntax('stray quote');
    return { kind: 'token', value: f };
  });
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let inQuote = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === separator && !inQuote) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (inQuote) throw AtError.syntax('unterminated quoted string');
  out.push(text.slice(start));
  return out;
}

/**
 * Typed access to a command's parameters, throwing the error a real modem gives: a malformed value is
 * a syntax error (`ERROR`), a well-formed value out of range is `+CME ERROR: 50`.
 */
export class Params {
  constructor(readonly list: readonly AtParam[]) {}

  get length(): number {
    return this.list.length;
  }

  has(index: number): boolean {
    const p = this.list[index];
    return p !== undefined && p.kind !== 'empty';
  }

  /** Fails unless the command has between `min` and `max` parameters. */
  count(min: number, max = min): this {
    if (this.list.length < min || this.list.length > max) throw AtError.syntax('wrong number of parameters');
    return this;
  }

  int(index: number, range?: { min?: number; max?: number }): number {
    const p = this.list[index];
    if (!p || p.kind !== 'token' || !/^-?\d+$/.test(p.value))
      throw AtError.syntax(`parameter ${index + 1}: integer expected`);
    const value = Number(p.value);
    if (!Number.isSafeInteger(value)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    if ((range?.min !== undefined && value < range.min) || (range?.max !== undefined && value > range.max)) {
      throw new AtError(CmeError.INCORRECT_PARAMETERS);
    }
    return value;
  }

  optionalInt(index: number, range?: { min?: number; max?: number }): number | undefined {
    return this.has(index) ? this.int(index, range) : undefined;
  }

  /** A value from a fixed set, e.g. `oneOf(0, [0, 1, 4])`. */
  oneOf<T extends number>(index: number, allowed: readonly T[]): T {
    const value = this.int(index);
    if (!(allowed as readonly number[]).includes(value)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    return value as T;
  }

  string(index: number, limits?: { maxLength?: number }): string {
    const p = this.list[index];
    if (!p || p.kind !== 'string') throw AtError.syntax(`parameter ${index + 1}: quoted string expected`);
    if (limits?.maxLength !== undefined && p.value.length > limits.maxLength) {
      throw new AtError(CmeError.INCORRECT_PARAMETERS);
    }
    return p.value;
  }

  optionalString(index: number, limits?: { maxLength?: number }): string | undefined {
    return this.has(index) ? this.string(index, limits) : undefined;
  }
}
