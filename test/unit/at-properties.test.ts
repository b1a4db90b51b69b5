import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AtError } from '../../modem/at/errors.js';
import { LineFramer, type FramedItem } from '../../modem/at/framing.js';
import { parseCommandLine, type AtParam } from '../../modem/at/parser.js';

/** Seeded, so a failure reproduces; thousands of runs each, as the suite's robustness measure. */
const RUNS = { seed: 0x91_60, numRuns: 3000 } as const;

const lines = (items: FramedItem[]): string[] =>
  items.map((i) => (i.kind === 'line' ? i.line : `<overflow ${i.length}>`));

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  out.push(bytes.subarray(from));
  return out;
}

function frame(chunks: Buffer[], editing: boolean): { lines: string[]; echo: string } {
  let echo = '';
  const framer = new LineFramer(256, { lineEditing: editing });
  const items = chunks.flatMap((c) => framer.push(c, editing ? (t) => (echo += t) : undefined));
  return { lines: lines(items), echo };
}

const anyBytes = fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a));
/** Input that looks like a terminal session: commands, quotes, CR/LF/CRLF, editing keys, junk. */
const sessionBytes = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'AT',
        'AT+CGSN',
        'AT%CMNG=0,1,0,"',
        '"',
        ',',
        ';',
        '\r',
        '\n',
        '\r\n',
        '\b',
        '\x7f',
        '\0',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => Buffer.from(parts.join(''), 'latin1'));

describe('line framing properties', () => {
  it('frames the same lines whatever the reads are split into (responses side)', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyBytes, sessionBytes),
        fc.array(fc.nat(), { maxLength: 20 }),
        (bytes, offsets) => {
          expect(frame(cut(bytes, offsets), false)).toEqual(frame([bytes], false));
        },
      ),
      RUNS,
    );
  });

  it('frames the same lines and echo with line editing, whatever the split', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyBytes, sessionBytes),
        fc.array(fc.nat(), { maxLength: 20 }),
        (bytes, offsets) => {
          expect(frame(cut(bytes, offsets), true)).toEqual(frame([bytes], true));
        },
      ),
      RUNS,
    );
  });

  it('never yields a line over the limit, nor a CR or LF outside quotes, and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(anyBytes, sessionBytes), fc.boolean(), (bytes, editing) => {
        const framer = new LineFramer(64, { lineEditing: editing });
        for (const item of framer.push(bytes)) {
          if (item.kind === 'overflow') continue;
          expect(item.line.length).toBeLessThanOrEqual(64);
          const outside = item.line
            .split('"')
            .filter((_, i) => i % 2 === 0)
            .join('');
          expect(outside).not.toMatch(/[\r\n]/);
          if (editing) expect(item.line).not.toMatch(/[\0\b\x7f]/);
        }
      }),
      RUNS,
    );
  });

  it('removes exactly one character per Backspace with line editing', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9+%=,]{0,30}$/), fc.nat({ max: 40 }), (text, deletions) => {
        const input = Buffer.from(`${text}${'\b'.repeat(deletions)}\r`, 'latin1');
        const got = frame([input], true).lines;
        expect(got).toEqual([text.slice(0, Math.max(0, text.length - deletions))]);
      }),
      RUNS,
    );
  });
});

/** A command and the parameters it was written with. */
interface Generated {
  text: string;
  name: string;
  form: 'exec' | 'read' | 'test' | 'set';
  params: AtParam[];
}

const extendedName = fc
  .tuple(fc.constantFrom('+', '%', '#'), fc.stringMatching(/^[A-Z][A-Z0-9_]{0,11}$/))
  .map(([p, n]) => p + n);
const param: fc.Arbitrary<AtParam> = fc.oneof(
  fc.integer({ min: -1e9, max: 1e9 }).map((n): AtParam => ({ kind: 'token', value: String(n) })),
  fc.stringMatching(/^[^"]{0,40}$/).map((v): AtParam => ({ kind: 'string', value: v })),
  fc.constant<AtParam>({ kind: 'empty' }),
);
const command: fc.Arbitrary<Generated> = fc.oneof(
  extendedName.map((name): Generated => ({ text: name, name, form: 'exec', params: [] })),
  extendedName.map((name): Generated => ({ text: `${name}?`, name, form: 'read', params: [] })),
  extendedName.map((name): Generated => ({ text: `${name}=?`, name, form: 'test', params: [] })),
  fc.tuple(extendedName, fc.array(param, { minLength: 1, maxLength: 6 })).map(([name, params]): Generated => {
    const text = params
      .map((p) => (p.kind === 'string' ? `"${p.value}"` : p.kind === 'token' ? p.value : ''))
      .join(',');
    // A lone empty field is no parameter at all (`AT+CPSMS=`).
    const effective = params.length === 1 && params[0]?.kind === 'empty' ? [] : params;
    return { text: `${name}=${text}`, name, form: 'set', params: effective };
  }),
);

describe('AT command parser properties', () => {
  it('reads back every chained command line it could be written as', () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 1, maxLength: 4 }), fc.boolean(), (cmds, lower) => {
        const line = `${lower ? 'at' : 'AT'}${cmds.map((c) => c.text).join(';')}`;
        const parsed = parseCommandLine(line);
        expect(parsed.map((p) => ({ name: p.name, form: p.form, params: p.params }))).toEqual(
          cmds.map((c) => ({ name: c.name, form: c.form, params: c.params })),
        );
      }),
      RUNS,
    );
  });

  it('answers any text with commands or an AtError, never another exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.string({ maxLength: 80 }).map((s) => `AT${s}`),
        ),
        (text) => {
          try {
            const parsed = parseCommandLine(text);
            expect(parsed.length).toBeGreaterThan(0);
          } catch (err) {
            expect(err).toBeInstanceOf(AtError);
          }
        },
      ),
      RUNS,
    );
  });
});
