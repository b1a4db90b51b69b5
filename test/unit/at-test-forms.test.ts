import { describe, expect, it } from 'vitest';
import { memoryModem } from '../helpers/memory-modem.js';

describe('test commands (=?) answer as the nRF91 AT reference has them', () => {
  it('gives the reference forms of +CGEREP, +CEDRXS and +CESQ', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CGEREP=?')).toBe('+CGEREP: (0,1),(0)\r\nOK\r\n');
    expect(await m.cmd('AT+CEDRXS=?')).toBe('+CEDRXS: (0-3),(4-5),("0000"-"1111")\r\nOK\r\n');
    expect(await m.cmd('AT+CESQ=?')).toBe('+CESQ: (99),(99),(255),(255),(0-34,255),(0-97,255)\r\nOK\r\n');
  });

  it('answers ERROR where the reference has no test command', async () => {
    const m = memoryModem();
    await m.cmd('AT+CMEE=1');
    for (const cmd of ['+CGDCONT', '+CPSMS', '%CESQ', '%XTIME', '%XTEMP', '+CCLK', '+CPIN']) {
      expect(await m.cmd(`AT${cmd}=?`), cmd).toBe('ERROR\r\n');
    }
  });

  it('refuses a network search without LTE and lists what it finds, names empty, once idle', async () => {
    const m = memoryModem();
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT+COPS=?')).toBe('+CME ERROR: 3\r\n');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('OK\r\n');
    expect(await m.cmd('AT+COPS=?')).toBe('+CME ERROR: 516\r\n');
    await m.clock.advance(10_000);
    expect(await m.cmd('AT+COPS=?')).toBe('+COPS: (2,"","","26201",7),(1,"","","26202",7)\r\nOK\r\n');
  });
});

describe('+CEDRXS without an AcT type (NCS lte_lc sends AT+CEDRXS=3)', () => {
  it('=3 disables and discards every eDRX request; =0 disables both and keeps the values', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CEDRXS=2,4,"0101";+CEDRXS=1,5,"0010";+CEDRXS?')).toBe(
      '+CEDRXS: 4,"0101"\r\n+CEDRXS: 5,"0010"\r\nOK\r\n',
    );
    expect(await m.cmd('AT+CEDRXS=0')).toBe('OK\r\n');
    expect(await m.cmd('AT+CEDRXS?')).toBe('+CEDRXS: \r\nOK\r\n');
    expect(await m.cmd('AT+CEDRXS=1,4;+CEDRXS?')).toBe('+CEDRXS: 4,"0101"\r\nOK\r\n');
    expect(await m.cmd('AT+CEDRXS=3')).toBe('OK\r\n');
    expect(await m.cmd('AT+CEDRXS=1,4;+CEDRXS?')).toBe('+CEDRXS: 4,"0000"\r\nOK\r\n');
    expect(await m.cmd('AT+CEDRXS=0,,"0101"')).toBe('ERROR\r\n');
    expect(await m.cmd('AT+CEDRXS=1')).toBe('ERROR\r\n');
  });

  it('after AT+CEDRXS=3 the next registration reports no +CEDRXP', async () => {
    const m = memoryModem();
    await m.cmd('AT+CEDRXS=2,4,"1001";+CEDRXS=3;+CFUN=1');
    await m.clock.advance(2000);
    await m.until('OK\r\n');
    await m.clock.advance(100);
    expect(m.output()).not.toContain('+CEDRXP');
    expect(await m.cmd('AT+CEDRXRDP')).toBe('+CEDRXRDP: 0\r\nOK\r\n');
  });
});
