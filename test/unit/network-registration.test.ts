import { describe, expect, it } from 'vitest';
import { memoryModem } from '../helpers/memory-modem.js';

/** Subscribes everything, powers LTE on, and returns the harness positioned at time 0. */
async function subscribed(
  n = 5,
  options: Parameters<typeof memoryModem>[0] = {},
): Promise<ReturnType<typeof memoryModem>> {
  const m = memoryModem(options);
  await m.cmd(`AT+CEREG=${n};+CSCON=1;+CGEREP=1`);
  m.clear();
  return m;
}

const REGISTERED_5 = '+CEREG: 1,"002F","0012BEEF",7,,,"11100000","11100000"';

describe('registration after AT+CFUN=1 (spec §1.4)', () => {
  it('searches, connects, registers and brings up the default bearer, each on the clock', async () => {
    const m = await subscribed();
    expect(await m.cmd('AT+CFUN=1')).toBe('OK\r\n+CEREG: 2\r\n');
    await m.clock.advance(1499);
    expect(m.output()).toBe('OK\r\n+CEREG: 2\r\n');
    expect(m.modem.dataPath.up).toBe(false);
    await m.clock.advance(1);
    await m.until('+CSCON: 1\r\n');
    await m.clock.advance(500);
    await m.until('+CGEV: ME PDN ACT 0\r\n');
    expect(m.output()).toBe(`OK\r\n+CEREG: 2\r\n+CSCON: 1\r\n${REGISTERED_5}\r\n+CGEV: ME PDN ACT 0\r\n`);
    expect(m.modem.dataPath.up).toBe(true);
    expect(m.modem.dataPath.ipv4).toBe('10.160.1.74');
    m.clear();
    await m.clock.advance(10_000);
    await m.until('+CSCON: 0\r\n');
    expect(m.output()).toBe('+CSCON: 0\r\n');
  });

  it('reads +CEREG? with the leading <n>, fields per level', async () => {
    const m = await subscribed(2);
    expect(await m.cmd('AT+CEREG?')).toBe('+CEREG: 2,0\r\nOK\r\n');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    expect(await m.cmd('AT+CEREG?')).toBe('+CEREG: 2,1,"002F","0012BEEF",7\r\nOK\r\n');
    await m.cmd('AT+CEREG=5');
    expect(await m.cmd('AT+CEREG?')).toBe(`+CEREG: 5,${REGISTERED_5.slice(8)}\r\nOK\r\n`);
    await m.cmd('AT+CEREG=0');
    expect(await m.cmd('AT+CEREG?')).toBe('+CEREG: 0,1\r\nOK\r\n');
    expect(await m.cmd('AT+CEREG=?')).toBe('+CEREG: (0-5)\r\nOK\r\n');
    expect(await m.cmd('AT+CEREG=6')).toBe('ERROR\r\n');
  });

  it('reports level 1 and 2 notifications in their own shapes', async () => {
    const m = await subscribed(1);
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CEREG: 1\r\n');
    await m.cmd('AT+CFUN=4;+CEREG=2');
    m.clear();
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CEREG: 1,"002F","0012BEEF",7\r\n');
  });

  it('detaches on CFUN=4: +CEREG: 0, +CGEV: ME DETACH, +CSCON: 0, data path down', async () => {
    const m = await subscribed();
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    m.clear();
    expect(await m.cmd('AT+CFUN=4')).toBe('OK\r\n+CEREG: 0\r\n+CGEV: ME DETACH\r\n+CSCON: 0\r\n');
    expect(m.modem.dataPath.up).toBe(false);
    expect(await m.cmd('AT+CGPADDR')).toBe('OK\r\n');
  });

  it('does not register while %XSYSTEMMODE has no LTE, and refuses changes while LTE is on', async () => {
    const m = await subscribed();
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT%XSYSTEMMODE?')).toBe('%XSYSTEMMODE: 1,0,1,0\r\nOK\r\n');
    expect(await m.cmd('AT%XSYSTEMMODE=0,1,0,0')).toBe('OK\r\n');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until(/\+CEREG: 1,"002F","0012BEEF",9/);
    expect(await m.cmd('AT%XSYSTEMMODE=1,0,0,0')).toBe('+CME ERROR: 518\r\n');
    expect(await m.cmd('AT%XSYSTEMMODE=0,0,0,0')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT%XSYSTEMMODE=?')).toBe('%XSYSTEMMODE: (0,1),(0,1),(0,1),(0-4)\r\nOK\r\n');
    await m.cmd('AT+CFUN=4');
    expect(await m.cmd('AT%XSYSTEMMODE=0,0,1,0')).toBe('OK\r\n');
    m.clear();
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(10_000);
    expect(m.output()).toBe('OK\r\n');
    expect(await m.cmd('AT+CFUN?')).toBe('+CFUN: 1\r\nOK\r\n');
  });
});

describe('control: coverage, denial, roaming, PDN, SIM (each with the URCs a modem emits)', () => {
  async function registered(): Promise<ReturnType<typeof memoryModem>> {
    const m = await subscribed();
    await m.cmd('AT+CNEC=8');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(12_000);
    m.clear();
    return m;
  }

  it('coverage lost: searching at once, out of coverage later; regained: registers again', async () => {
    const m = await registered();
    const changes: string[] = [];
    m.modem.dataPath.on('change', (up, reason) => changes.push(up ? 'up' : `down:${reason}`));
    m.modem.control.loseCoverage();
    await m.until('+CEREG: 2\r\n');
    expect(m.modem.dataPath.up).toBe(false);
    await m.clock.advance(30_000);
    await m.until('+CEREG: 4\r\n');
    expect(await m.cmd('AT+CESQ')).toBe('+CESQ: 99,99,255,255,255,255\r\nOK\r\n');
    m.modem.control.regainCoverage();
    await m.clock.advance(2000);
    await m.until('+CGEV: ME PDN ACT 0\r\n');
    expect(m.output()).toBe(
      `+CEREG: 2\r\n+CEREG: 4\r\n+CESQ: 99,99,255,255,255,255\r\nOK\r\n+CEREG: 2\r\n+CSCON: 1\r\n${REGISTERED_5}\r\n+CGEV: ME PDN ACT 0\r\n`,
    );
    expect(changes).toEqual(['down:coverage', 'up']);
  });

  it('registration denied with a cause, then allowed again', async () => {
    const m = await registered();
    m.modem.control.denyRegistration(15);
    await m.until('+CEREG: 3,"002F","0012BEEF",7,0,15\r\n');
    expect(m.output()).toBe('+CGEV: NW DETACH\r\n+CNEC_EMM: 15\r\n+CEREG: 3,"002F","0012BEEF",7,0,15\r\n');
    expect(m.modem.dataPath.up).toBe(false);
    m.clear();
    m.modem.control.allowRegistration();
    await m.clock.advance(2000);
    await m.until(`${REGISTERED_5}\r\n`);
  });

  it('+CNEC=16 subscribes ESM causes only: an EMM reject is not reported (3GPP TS 27.007 §9.1B)', async () => {
    const m = await subscribed(3);
    await m.cmd('AT+CNEC=16');
    m.modem.control.denyRegistration(7);
    m.clear();
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CEREG: 3,');
    expect(m.output()).not.toContain('+CNEC_EMM');
    await m.cmd('AT+CNEC=24;+CFUN=4');
    m.clear();
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CNEC_EMM: 7\r\n');
  });

  it('a denied device never registers while the denial stands', async () => {
    const m = await subscribed(3);
    m.modem.control.denyRegistration(7);
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(60_000);
    expect(m.output()).toBe('OK\r\n+CEREG: 2\r\n+CEREG: 3,"002F","0012BEEF",7,0,7\r\n');
  });

  it('roaming switches stat 1 to 5', async () => {
    const m = await registered();
    m.modem.control.setRoaming(true);
    await m.until('+CEREG: 5,"002F","0012BEEF",7,,,"11100000","11100000"\r\n');
    expect(await m.cmd('AT%XMONITOR')).toMatch(
      /^%XMONITOR: 5,"Telekom.de","TDG","26201","002F",7,20,"0012BEEF",7,6300,46,39,"","11100000","11100000","11100000"\r\nOK\r\n$/,
    );
  });

  it('the network drops the default bearer and the modem sets it up again', async () => {
    const m = await registered();
    m.modem.control.dropPdn();
    await m.until('+CGEV: NW PDN DEACT 0\r\n');
    expect(m.modem.dataPath.up).toBe(false);
    await m.clock.advance(1000);
    await m.until('+CGEV: ME PDN ACT 0\r\n');
    expect(m.modem.dataPath.up).toBe(true);
  });

  it('a removed SIM detaches with +CEREG: 90 and SIM commands fail until it is back', async () => {
    const m = await registered();
    await m.cmd('AT+CMEE=1');
    m.clear();
    m.modem.control.removeSim();
    await m.until('+CGEV: ME DETACH\r\n');
    expect(m.output()).toBe('+CEREG: 90\r\n+CGEV: ME DETACH\r\n');
    expect(await m.cmd('AT+CIMI')).toBe('+CME ERROR: 10\r\n');
    m.modem.control.insertSim();
    await m.clock.advance(2000);
    await m.until(`${REGISTERED_5}\r\n`);
    expect(await m.cmd('AT+CIMI')).toBe(`${m.modem.identity.imsi}\r\nOK\r\n`);
  });

  it('signal changes show in +CESQ and, across thresholds, as %CESQ notifications', async () => {
    const m = await registered();
    expect(await m.cmd('AT+CESQ')).toBe('+CESQ: 99,99,255,255,20,46\r\nOK\r\n');
    expect(await m.cmd('AT%CESQ=1')).toBe('OK\r\n%CESQ: 46,3,20,3\r\n');
    m.clear();
    m.modem.control.setSignal({ rsrp: -97 });
    m.modem.control.setSignal({ rsrp: -125, rsrq: -18 });
    await m.until('%CESQ: 16,0,4,0\r\n');
    expect(m.output()).toBe('%CESQ: 16,0,4,0\r\n');
    expect(await m.cmd('AT+CESQ')).toBe('+CESQ: 99,99,255,255,4,16\r\nOK\r\n');
  });

  it('network time sets +CCLK and is reported with %XTIME', async () => {
    const m = memoryModem();
    await m.cmd('AT%XTIME=1');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    // VirtualClock starts at 2024-01-01T00:00:00Z; registration happens 2 s later, time zone +01:00.
    await m.until('%XTIME: "40","421010000020","00"');
    expect(await m.cmd('AT+CCLK?')).toBe('+CCLK: "24/01/01,01:00:02+04"\r\nOK\r\n');
  });
});
