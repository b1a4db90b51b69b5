import { describe, expect, it } from 'vitest';
import { AtError } from '../../modem/at/errors.js';
import { Params, parseCommandLine, parseParams } from '../../modem/at/parser.js';

describe('parseCommandLine', () => {
  it('recognises the four forms and upper-cases names', () => {
    expect(parseCommandLine('at+cgsn').map((c) => [c.name, c.form])).toEqual([['+CGSN', 'exec']]);
    expect(parseCommandLine('AT+CFUN?')[0]?.form).toBe('read');
    expect(parseCommandLine('AT+CFUN=?')[0]?.form).toBe('test');
    const set = parseCommandLine('AT%XSYSTEMMODE=1,0,1,0')[0];
    expect(set?.form).toBe('set');
    expect(set?.raw).toBe('1,0,1,0');
  });

  it('splits chains on ; outside quotes', () => {
    const cmds = parseCommandLine('AT+CFUN=4;+CFUN?;%XICCID');
    expect(cmds.map((c) => `${c.name}:${c.form}`)).toEqual(['+CFUN:set', '+CFUN:read', '%XICCID:exec']);
    expect(parseCommandLine('AT+COPS=1,2,"a;b"')).toHaveLength(1);
  });

  it('parses basic commands first in a line only', () => {
    expect(parseCommandLine('ATE1')[0]).toMatchObject({ name: 'E', form: 'set', raw: '1' });
    expect(parseCommandLine('ATE')[0]).toMatchObject({ name: 'E', form: 'exec' });
    expect(parseCommandLine('AT')[0]).toMatchObject({ name: '', form: 'exec' });
    expect(() => parseCommandLine('AT+CGSN;E1')).toThrow(AtError);
  });

  it('rejects lines that are not AT commands', () => {
    for (const bad of ['', 'A', 'HELLO', 'AT+', 'AT+CGSN?x', 'AT+CFUN=1;;+CFUN?', 'AT+X="open']) {
      expect(() => parseCommandLine(bad), bad).toThrow(AtError);
    }
  });
});

describe('parseParams and Params', () => {
  it('keeps commas, CR and LF inside quoted strings and marks empty fields', () => {
    expect(parseParams('0,16842753,0,"a,b\r\nc"')).toEqual([
      { kind: 'token', value: '0' },
      { kind: 'token', value: '16842753' },
      { kind: 'token', value: '0' },
      { kind: 'string', value: 'a,b\r\nc' },
    ]);
    expect(parseParams('1,,3')[1]).toEqual({ kind: 'empty' });
  });

  it('fails malformed values as syntax errors and out-of-range values as CME 50', () => {
    const p = new Params(parseParams('7,abc,"x"'));
    const syntax = (fn: () => unknown): AtError => {
      try {
        fn();
      } catch (e) {
        return e as AtError;
      }
      throw new Error('no error');
    };
    expect(syntax(() => p.int(1)).cme).toBeUndefined();
    expect(syntax(() => p.int(2)).cme).toBeUndefined();
    expect(syntax(() => p.int(0, { max: 5 })).cme).toBe(50);
    expect(syntax(() => p.oneOf(0, [0, 1])).cme).toBe(50);
    expect(syntax(() => p.count(1)).cme).toBeUndefined();
    expect(p.string(2)).toBe('x');
    expect(p.optionalInt(5)).toBeUndefined();
  });
});
