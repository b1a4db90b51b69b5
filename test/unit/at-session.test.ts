import { describe, expect, it } from 'vitest';
import { isValidImei } from '../../modem/identity.js';
import { memoryModem } from '../helpers/memory-modem.js';

describe('AT session on a serial line', () => {
  it('answers AT with OK and an unknown command with ERROR, then keeps answering', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT')).toBe('OK\r\n');
    expect(await m.cmd('AT+NOPE')).toBe('ERROR\r\n');
    expect(await m.cmd('AT+NOPE')).toBe('ERROR\r\n');
    expect(await m.cmd('AT')).toBe('OK\r\n');
  });

  it('ignores empty lines and accepts CR, LF or CRLF terminators', async () => {
    const m = memoryModem();
    m.raw('\r\n\r\nAT\rAT\nAT\r\n');
    await m.until(/(OK\r\n){3}$/);
    expect(m.output()).toBe('OK\r\nOK\r\nOK\r\n');
  });

  it('runs chained commands with one final OK, and stops at the first failure', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CFUN=4;+CFUN?')).toBe('+CFUN: 4\r\nOK\r\n');
    expect(await m.cmd('AT+CFUN?;+BOGUS;+CGMR')).toBe('+CFUN: 4\r\nERROR\r\n');
  });

  it('reports +CME ERROR codes only under AT+CMEE=1, per session', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CIMI')).toBe('ERROR\r\n');
    expect(await m.cmd('AT+CMEE?')).toBe('+CMEE: 0\r\nOK\r\n');
    expect(await m.cmd('AT+CMEE=1')).toBe('OK\r\n');
    expect(await m.cmd('AT+CIMI')).toBe('+CME ERROR: 10\r\n');
    expect(await m.cmd('AT+CFUN=7')).toBe('+CME ERROR: 50\r\n');
    // Syntax errors stay plain ERROR whatever +CMEE says (V.250).
    expect(await m.cmd('AT+CFUN=abc')).toBe('ERROR\r\n');
    expect(await m.cmd('AT+CMEE=?')).toBe('+CMEE: (0,1)\r\nOK\r\n');
    const other = m.modem.channel();
    expect((await other.send('AT+CIMI')).finalLine).toBe('ERROR');
  });

  it('echoes input only after ATE1', async () => {
    const m = memoryModem();
    expect(await m.cmd('ATE1')).toBe('OK\r\n');
    expect(await m.cmd('AT+CGMR')).toBe('AT+CGMR\r\nmfw_nrf9160_1.3.5\r\nOK\r\n');
    expect(await m.cmd('ATE0')).toBe('ATE0\r\nOK\r\n');
    expect(await m.cmd('AT')).toBe('OK\r\n');
  });

  it('lets a person fix a typo: Backspace and DEL delete, NUL is ignored (as at_host does)', async () => {
    const m = memoryModem();
    m.raw('A\bAT\r');
    await m.until('OK\r\n');
    m.clear();
    m.raw('AX\x7fT\r\n');
    await m.until('OK\r\n');
    m.clear();
    m.raw('A\0T+CGM\bMR\r');
    await m.until('OK\r\n');
    expect(m.output()).toBe('mfw_nrf9160_1.3.5\r\nOK\r\n');
  });

  it('echoes a terminal Enter (CR alone) as CRLF, so OK does not overwrite the command', async () => {
    const m = memoryModem();
    await m.cmd('ATE1');
    m.clear();
    m.raw('AT\r');
    await m.until('OK\r\n');
    expect(m.output()).toBe('AT\r\nOK\r\n');
    m.clear();
    m.raw('AX\bT+CGMR\r');
    await m.until('OK\r\n');
    expect(m.output()).toBe('AX\b \bT+CGMR\r\nmfw_nrf9160_1.3.5\r\nOK\r\n');
  });

  it('never writes a URC inside a response: it is held until the final result', async () => {
    const m = memoryModem();
    m.modem.commands.register({
      name: '#SLOW',
      ref: 'test',
      exec: async ({ modem }) => {
        modem.notify('+CEREG: 2');
        await modem.clock.sleep(100);
        return ['#SLOW: 1', '#SLOW: 2'];
      },
    });
    m.raw('AT#SLOW\r\n');
    await m.clock.advance(100);
    await m.until('+CEREG: 2\r\n');
    expect(m.output()).toBe('#SLOW: 1\r\n#SLOW: 2\r\nOK\r\n+CEREG: 2\r\n');
    m.clear();
    m.modem.notify('%XTEMP: 1,81');
    await m.until('%XTEMP');
    expect(m.output()).toBe('%XTEMP: 1,81\r\n');
  });

  it('answers a 10 MB line with one ERROR and keeps working', async () => {
    const m = memoryModem();
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 10; i++) m.raw(chunk);
    m.raw('\r\n');
    await m.until('ERROR\r\n');
    expect(await m.cmd('AT+CGSN')).toMatch(/^\d{15}\r\nOK\r\n$/);
    expect(m.output().startsWith('ERROR\r\n')).toBe(true);
  });

  it('answers binary junk with ERROR and keeps working', async () => {
    const m = memoryModem();
    m.raw(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0xc3, 0x28, 0x0d]));
    await m.until(/ERROR\r\nERROR\r\n$/);
    expect(await m.cmd('AT')).toBe('OK\r\n');
  });

  it('drops an unterminated quoted string with ERROR after the quote timeout', async () => {
    const m = memoryModem();
    m.raw('AT+CCLK="24/01/01,00:00:00+00\r\n');
    await m.clock.advance(1999);
    expect(m.output()).toBe('');
    await m.clock.advance(1);
    await m.until('ERROR\r\n');
    expect(await m.cmd('AT')).toBe('OK\r\n');
  });

  it('answers a flood of queued commands in order, each with its own final result', async () => {
    const m = memoryModem();
    m.raw('AT+CGMR\r\n'.repeat(200));
    await m.until(/(mfw_nrf9160_1\.3\.5\r\nOK\r\n){200}$/);
    expect(m.output()).toBe('mfw_nrf9160_1.3.5\r\nOK\r\n'.repeat(200));
  });

  it('reports a crashing handler as CME 0 and survives', async () => {
    const m = memoryModem();
    const errors: string[] = [];
    m.modem.on('internal-error', (cmd) => errors.push(cmd));
    m.modem.commands.register({
      name: '#BOOM',
      ref: 'test',
      exec: () => {
        throw new TypeError('bug');
      },
    });
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT#BOOM')).toBe('+CME ERROR: 0\r\n');
    expect(errors).toEqual(['#BOOM']);
    expect(await m.cmd('AT')).toBe('OK\r\n');
  });

  it('stops serving when the modem closes', async () => {
    const m = memoryModem();
    await m.modem.close();
    m.raw('AT\r\n');
    await new Promise((r) => setTimeout(r, 20));
    expect(m.output()).toBe('');
    expect(isValidImei(m.modem.identity.imei)).toBe(true);
  });
});
