import { describe, expect, it } from 'vitest';
import { decodeTimer, encodeTimer } from '../../modem/network/timers.js';
import { memoryModem } from '../helpers/memory-modem.js';

async function registered(prefix = ''): Promise<ReturnType<typeof memoryModem>> {
  const m = memoryModem();
  await m.cmd(`AT+CEREG=5;+CSCON=1;+CGEREP=1${prefix}`);
  await m.cmd('AT+CFUN=1');
  await m.clock.advance(2000);
  await m.until('+CGEV: ME PDN ACT 0\r\n');
  m.clear();
  return m;
}

describe('PDP contexts: +CGDCONT, +CGACT, +CGPADDR', () => {
  it('lists the default bearer with its address once attached', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CGDCONT?')).toBe('+CGDCONT: 0,"IPV4V6","ibasis.iot","",0,0\r\nOK\r\n');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    expect(await m.cmd('AT+CGDCONT?')).toBe('+CGDCONT: 0,"IPV4V6","ibasis.iot","10.160.1.74",0,0\r\nOK\r\n');
    expect(await m.cmd('AT+CGPADDR')).toBe('+CGPADDR: 0,"10.160.1.74"\r\nOK\r\n');
    expect(await m.cmd('AT+CGPADDR=0')).toBe('+CGPADDR: 0,"10.160.1.74"\r\nOK\r\n');
    expect(await m.cmd('AT+CGACT?')).toBe('+CGACT: 0,1\r\nOK\r\n');
  });

  it('activates and deactivates a second context, but never cid 0', async () => {
    const m = await registered();
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT+CGDCONT=1,"IP","iot.example"')).toBe('OK\r\n');
    expect(await m.cmd('AT+CGACT=1,1')).toBe('OK\r\n+CGEV: ME PDN ACT 1\r\n');
    expect(await m.cmd('AT+CGPADDR=1')).toBe('+CGPADDR: 1,"10.160.1.76"\r\nOK\r\n');
    expect(await m.cmd('AT+CGDCONT=1,"IP","other"')).toBe('+CME ERROR: 3\r\n');
    expect(await m.cmd('AT+CGACT=0,0')).toBe('+CME ERROR: 3\r\n');
    expect(await m.cmd('AT+CGACT=0,1')).toBe('OK\r\n+CGEV: ME PDN DEACT 1\r\n');
    expect(await m.cmd('AT+CGACT=1,5')).toBe('+CME ERROR: 3\r\n');
    expect(await m.cmd('AT+CGDCONT=2,"PPP","x"')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT+CGDCONT=11,"IP","x"')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT+CGDCONT=1')).toBe('OK\r\n');
    expect(await m.cmd('AT+CGDCONT?')).toBe('+CGDCONT: 0,"IPV4V6","ibasis.iot","10.160.1.74",0,0\r\nOK\r\n');
    expect(await m.cmd('AT+CGEREP?')).toBe('+CGEREP: 1,0\r\nOK\r\n');
    expect(await m.cmd('AT+CGEREP=')).toBe('OK\r\n');
    expect(await m.cmd('AT+CGEREP?')).toBe('+CGEREP: 0,0\r\nOK\r\n');
  });

  it('reports an IPv6 address with +CGEV: IPV6 when the network gives one', async () => {
    const m = memoryModem({ profile: { network: { radio: { ipv6: '2001:db8::74' } } } });
    await m.cmd('AT+CGEREP=1');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CGEV: ME PDN ACT 0\r\n+CGEV: IPV6 0\r\n');
    expect(await m.cmd('AT+CGPADDR=0')).toBe('+CGPADDR: 0,"10.160.1.74","2001:db8::74"\r\nOK\r\n');
  });
});

describe('+COPS', () => {
  it('reads the operator, deregisters, re-registers, and refuses an unknown network', async () => {
    const m = await registered();
    expect(await m.cmd('AT+COPS?')).toBe('+COPS: 0,2,"26201",7\r\nOK\r\n');
    expect(await m.cmd('AT+COPS=3,0;+COPS?')).toBe('+COPS: 0,0,"Telekom.de",7\r\nOK\r\n');
    // nRF91 AT ref +COPS test command: no search during a radio connection (CME 516); names empty.
    expect(await m.cmd('AT+CMEE=1;+COPS=?')).toBe('+CME ERROR: 516\r\n');
    await m.clock.advance(10_000);
    await m.until('+CSCON: 0\r\n');
    expect(await m.cmd('AT+COPS=?;+CMEE=0')).toBe('+COPS: (2,"","","26201",7),(1,"","","26202",7)\r\nOK\r\n');
    m.clear();
    // The radio connection went idle above, so the detach reports no +CSCON.
    expect(await m.cmd('AT+COPS=2')).toBe('OK\r\n+CEREG: 0\r\n+CGEV: ME DETACH\r\n');
    expect(await m.cmd('AT+COPS?')).toBe('+COPS: 2\r\nOK\r\n');
    await m.cmd('AT+COPS=0');
    await m.clock.advance(2000);
    await m.until('+CGEV: ME PDN ACT 0');
    m.clear();
    await m.cmd('AT+COPS=1,2,"99999"');
    await m.clock.advance(2000);
    await m.until('+CEREG: 3,"002F","0012BEEF",7,0,11\r\n');
    await m.cmd('AT+COPS=1,2,"26202"');
    await m.clock.advance(2000);
    await m.until('+CGEV: ME PDN ACT 0');
    expect(await m.cmd('AT+COPS=3,2;+COPS?')).toBe('+COPS: 1,2,"26202",7\r\nOK\r\n');
  });
});

describe('PSM and eDRX on the clock', () => {
  it('grants requested timers and reports them in +CEREG and %XMONITOR', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CPSMS?')).toBe('+CPSMS: 0,,,"00000110","00100001"\r\nOK\r\n');
    await m.cmd('AT+CPSMS=1,,,"00100001","00000011";+CEREG=5');
    expect(await m.cmd('AT+CPSMS?')).toBe('+CPSMS: 1,,,"00100001","00000011"\r\nOK\r\n');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CEREG: 1,"002F","0012BEEF",7,,,"00000011","00100001"\r\n');
    expect(await m.cmd('AT%XMONITOR')).toMatch(/,"00000011","00100001","01001001"\r\nOK\r\n$/);
    expect(await m.cmd('AT+CPSMS=')).toBe('OK\r\n');
    expect(await m.cmd('AT+CPSMS?')).toBe('+CPSMS: 0,,,"00000110","00100001"\r\nOK\r\n');
    expect(await m.cmd('AT+CPSMS=1,,,"0010001","00000011"')).toBe('ERROR\r\n');
  });

  it('sleeps after Active-Time and wakes for each periodic TAU: a 24 h scenario in virtual time', async () => {
    const m = memoryModem();
    await m.cmd('AT+CSCON=1;%XMODEMSLEEP=1,0,0');
    // Periodic TAU 1 h, Active-Time 6 s.
    await m.cmd('AT+CPSMS=1,,,"00100001","00000011"');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000 + 10_000 + 6000);
    await m.until('%XMODEMSLEEP: 1,3594000\r\n');
    expect(m.modem.network.rrc.sleep).toBe('psm');
    m.clear();
    await m.clock.advance(24 * 3600 * 1000);
    const wakes = m.output().split('%XMODEMSLEEP: 1,0\r\n').length - 1;
    const sleeps = m.output().split('%XMODEMSLEEP: 1,3594000\r\n').length - 1;
    expect(wakes).toBeGreaterThanOrEqual(23);
    expect(wakes).toBeLessThanOrEqual(24);
    expect(sleeps).toBe(wakes);
    expect(m.output()).toMatch(
      /^%XMODEMSLEEP: 1,0\r\n\+CSCON: 1\r\n\+CSCON: 0\r\n%XMODEMSLEEP: 1,3594000\r\n/,
    );
  });

  it('uplink traffic wakes a sleeping modem and restarts the inactivity timer', async () => {
    const m = memoryModem();
    await m.cmd('AT+CSCON=1;%XMODEMSLEEP=1;+CPSMS=1,,,"00100001","00000011"');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(20_000);
    m.clear();
    m.modem.dataPath.notifyActivity();
    await m.until('+CSCON: 1\r\n');
    expect(m.output()).toBe('%XMODEMSLEEP: 1,0\r\n+CSCON: 1\r\n');
    await m.clock.advance(9_999);
    m.modem.dataPath.notifyActivity();
    await m.clock.advance(9_999);
    expect(m.modem.network.rrc.state).toBe('connected');
    await m.clock.advance(1);
    expect(m.modem.network.rrc.state).toBe('idle');
  });

  it('a network that refuses PSM grants nothing', async () => {
    const m = memoryModem({ profile: { network: { grantPsm: false } } });
    await m.cmd('AT+CPSMS=1,,,"00100001","00000011";+CEREG=4');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CEREG: 1,"002F","0012BEEF",7,,,"11100000","11100000"\r\n');
  });

  it('eDRX: +CEDRXS=2 gets +CEDRXP at registration; +CEDRXRDP shows the values in use', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CEDRXS?')).toBe('+CEDRXS: \r\nOK\r\n');
    await m.cmd('AT+CEDRXS=2,4,"0101"');
    expect(await m.cmd('AT+CEDRXS?')).toBe('+CEDRXS: 4,"0101"\r\nOK\r\n');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CEDRXP: 4,"0101","1001","0111"\r\n');
    expect(await m.cmd('AT+CEDRXRDP')).toBe('+CEDRXRDP: 4,"0101","1001","0111"\r\nOK\r\n');
    expect(await m.cmd('AT+CEDRXS=3,4')).toBe('OK\r\n');
    expect(await m.cmd('AT+CEDRXRDP')).toBe('+CEDRXRDP: 0\r\nOK\r\n');
    expect(await m.cmd('AT+CEDRXS=1,4,"12"')).toBe('ERROR\r\n');
  });
});

describe('GPRS timer encodings (3GPP TS 24.008)', () => {
  it('decodes and encodes Active-Time and Periodic-TAU-ext values', () => {
    expect(decodeTimer('00100001', 'timer3')).toBe(3600);
    expect(decodeTimer('00000011', 'timer2')).toBe(6);
    expect(decodeTimer('01000110', 'timer2')).toBe(2160);
    expect(decodeTimer('11100000', 'timer2')).toBeUndefined();
    expect(decodeTimer('1010', 'timer2')).toBeUndefined();
    expect(encodeTimer(3600, 'timer3')).toBe('00000110');
    expect(encodeTimer(20, 'timer2')).toBe('00001010');
    expect(decodeTimer(encodeTimer(24 * 3600, 'timer3'), 'timer3')).toBe(24 * 3600);
    expect(decodeTimer(encodeTimer(60, 'timer2'), 'timer2')).toBe(60);
  });
});
