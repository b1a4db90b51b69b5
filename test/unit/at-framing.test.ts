import { describe, expect, it } from 'vitest';
import { Random } from '../../core/random.js';
import { LineFramer, type FramedItem } from '../../modem/at/framing.js';

function feed(framer: LineFramer, chunks: Array<string | Buffer>): FramedItem[] {
  return chunks.flatMap((c) => framer.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c));
}

const lines = (items: FramedItem[]): string[] =>
  items.map((i) => (i.kind === 'line' ? i.line : `<overflow ${i.length}>`));

function splitRandomly(text: string, rng: Random): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const n = rng.int(1, 9);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

const PEM_CMD =
  'AT%CMNG=0,42,0,"-----BEGIN CERTIFICATE-----\r\nMIIB,xTCC;AWugAwIBAgIU\r\n-----END CERTIFICATE-----\r\n"';

describe('LineFramer', () => {
  it('ends lines at CR, LF or CRLF, counting CRLF once', () => {
    expect(lines(feed(new LineFramer(), ['AT\rAT+CGSN\nATE0\r\n']))).toEqual(['AT', 'AT+CGSN', 'ATE0']);
  });

  it('treats CR and LF inside quotes as content (PEM bodies in %CMNG)', () => {
    expect(lines(feed(new LineFramer(), [`${PEM_CMD}\r\nAT\r\n`]))).toEqual([PEM_CMD, 'AT']);
  });

  it('gives the same lines for 1-byte writes as for one write', () => {
    const text = `AT+CFUN=4;+CFUN?\r\n${PEM_CMD}\r\nAT+CGSN=1\r`;
    const whole = lines(feed(new LineFramer(), [text]));
    const bytewise = lines(feed(new LineFramer(), text.split('')));
    expect(bytewise).toEqual(whole);
    expect(whole).toHaveLength(3);
  });

  it('gives the same lines under random fragmentation (CRLF split across chunks included)', () => {
    const text = `AT\r\n${PEM_CMD}\r\nAT%XICCID\nAT+CGMR\r\n`.repeat(20);
    const expected = lines(feed(new LineFramer(), [text]));
    for (let seed = 0; seed < 50; seed++) {
      expect(lines(feed(new LineFramer(), splitRandomly(text, new Random(seed))))).toEqual(expected);
    }
  });

  it('reports an over-long line once, keeps no more than the limit, and recovers', () => {
    const framer = new LineFramer(64);
    const big = 'A'.repeat(10 * 1024 * 1024);
    const items = feed(framer, ['AT', big, '\r\nAT+CGSN\r\n']);
    expect(items[0]).toEqual({ kind: 'overflow', length: big.length + 2 });
    expect(lines(items.slice(1))).toEqual(['AT+CGSN']);
  });

  it('keeps binary junk intact as latin1 and never throws', () => {
    const junk = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x1b, 0x0d]);
    const items = feed(new LineFramer(), [junk]);
    expect(items).toEqual([{ kind: 'line', line: '\u0000\u00ff\u00fe\u0080\u001b' }]);
  });

  it('says when a sender is stuck inside an unterminated quote after pressing Enter', () => {
    const framer = new LineFramer();
    feed(framer, ['AT+COPS=1,2,"2620']);
    expect(framer.stuckInQuote).toBe(false);
    feed(framer, ['1\r\n']);
    expect(framer.stuckInQuote).toBe(true);
    expect(framer.reset()).toBe(true);
    expect(lines(feed(framer, ['AT\r\n']))).toEqual(['AT']);
  });
});

describe('LineFramer with line editing (the modem side, as NCS at_host reads its UART)', () => {
  const edited = (chunks: Array<string | Buffer>): string[] =>
    lines(feed(new LineFramer(undefined, { lineEditing: true }), chunks));

  it('deletes the previous character on Backspace and DEL, and ignores NUL', () => {
    expect(edited(['A\bAT\r'])).toEqual(['AT']);
    expect(edited(['AX\x7fT\r'])).toEqual(['AT']);
    expect(edited(['\b\x7fA\0T\r\n'])).toEqual(['AT']);
    expect(edited(['AT+CGSN=2\b1\r'])).toEqual(['AT+CGSN=1']);
  });

  it('follows the text that is left when a quote is deleted', () => {
    expect(edited(['AT+COPS=1,2,"2620"\b1"\r'])).toEqual(['AT+COPS=1,2,"26201"']);
    const framer = new LineFramer(undefined, { lineEditing: true });
    expect(lines(feed(framer, ['AT+X="a\r']))).toEqual([]);
    expect(framer.stuckInQuote).toBe(true);
    expect(lines(feed(framer, ['"\r']))).toEqual(['AT+X="a\r"']);
  });

  it('echoes what a terminal needs: line ends as CRLF once, a deletion as BS SP BS', () => {
    const echo = (chunks: string[]): string => {
      let out = '';
      const framer = new LineFramer(undefined, { lineEditing: true });
      for (const c of chunks) framer.push(Buffer.from(c, 'latin1'), (t) => (out += t));
      return out;
    };
    expect(echo(['AT\r'])).toBe('AT\r\n');
    expect(echo(['AT\r\n', 'AT\n'])).toBe('AT\r\nAT\r\n');
    expect(echo(['AT\r', '\nAT\r'])).toBe('AT\r\nAT\r\n');
    expect(echo(['\bAB\bC\0\r'])).toBe('AB\b \bC\r\n');
  });

  it('gives the same lines and the same echo under random fragmentation', () => {
    const text = `A\bAT\r\nAX\x7fT\r${PEM_CMD}\r\nAT+CGMR\b\bMR\n\0AT\r`.repeat(10);
    const run = (chunks: string[]): { lines: string[]; echo: string } => {
      let echo = '';
      const framer = new LineFramer(undefined, { lineEditing: true });
      const items = chunks.flatMap((c) => framer.push(Buffer.from(c, 'latin1'), (t) => (echo += t)));
      return { lines: lines(items), echo };
    };
    const whole = run([text]);
    expect(whole.lines.slice(0, 3)).toEqual(['AT', 'AT', PEM_CMD]);
    for (let seed = 0; seed < 50; seed++) expect(run(splitRandomly(text, new Random(seed)))).toEqual(whole);
  });
});
