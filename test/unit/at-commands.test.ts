import { describe, expect, it } from 'vitest';
import { isValidImei, luhnCheckDigit, modemFirmwareUuid } from '../../modem/identity.js';
import { memoryModem } from '../helpers/memory-modem.js';

describe('identity commands (spec §1.3, §1.4)', () => {
  it('AT+CGSN prints the bare IMEI alone on its line', async () => {
    const m = memoryModem({ name: 'dev-a' });
    const rsp = await m.cmd('AT+CGSN');
    expect(rsp).toMatch(/^\d{15}\r\nOK\r\n$/);
    expect(rsp.slice(0, 15)).toBe(m.modem.identity.imei);
    expect(isValidImei(rsp.slice(0, 15))).toBe(true);
  });

  it('AT+CGSN=0..3 give serial, quoted IMEI, IMEISV and SVN; =? lists the range', async () => {
    const m = memoryModem({ profile: { identity: { imei: '352656100123457' } } });
    expect(await m.cmd('AT+CGSN=0')).toBe('352656100123457\r\nOK\r\n');
    expect(await m.cmd('AT+CGSN=1')).toBe('+CGSN: "352656100123457"\r\nOK\r\n');
    expect(await m.cmd('AT+CGSN=2')).toBe('+CGSN: "3526561001234510"\r\nOK\r\n');
    expect(await m.cmd('AT+CGSN=3')).toBe('+CGSN: "10"\r\nOK\r\n');
    expect(await m.cmd('AT+CGSN=?')).toBe('+CGSN: (0-3)\r\nOK\r\n');
    expect(await m.cmd('AT+CGSN=4')).toBe('ERROR\r\n');
    expect(await m.cmd('AT+CGSN?')).toBe('ERROR\r\n');
  });

  it('AT+CGMI, +CGMM, +CGMR print bare lines', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CGMI')).toBe('Nordic Semiconductor ASA\r\nOK\r\n');
    expect(await m.cmd('AT+CGMM')).toBe('nRF9160-SICA\r\nOK\r\n');
    expect(await m.cmd('AT+CGMR')).toBe('mfw_nrf9160_1.3.5\r\nOK\r\n');
  });

  it('%HWVERSION, %SHORTSWVER and %XMODEMUUID use their prefixes, unquoted', async () => {
    const m = memoryModem({ profile: { identity: { firmwareVersion: 'mfw_nrf9160_1.3.2' } } });
    expect(await m.cmd('AT%HWVERSION')).toBe('%HWVERSION: nRF9160 SICA B1A\r\nOK\r\n');
    expect(await m.cmd('AT%SHORTSWVER')).toBe('%SHORTSWVER: nrf9160_1.3.2\r\nOK\r\n');
    const uuid = await m.cmd('AT%XMODEMUUID');
    expect(uuid).toMatch(
      /^%XMODEMUUID: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\r\nOK\r\n$/,
    );
    expect(uuid).toContain(modemFirmwareUuid('mfw_nrf9160_1.3.2'));
    expect(modemFirmwareUuid('mfw_nrf9160_1.3.2')).not.toBe(modemFirmwareUuid('mfw_nrf9160_1.3.5'));
  });

  it('derives a stable identity from the name and a different one for another name', () => {
    const a1 = memoryModem({ name: 'alpha' }).modem.identity;
    const a2 = memoryModem({ name: 'alpha' }).modem.identity;
    const b = memoryModem({ name: 'beta' }).modem.identity;
    expect(a2).toEqual(a1);
    expect(b.imei).not.toBe(a1.imei);
    expect(a1.imei.startsWith('35265610')).toBe(true);
    expect(a1.iccid).toMatch(/^89\d{18}$/);
    expect(luhnCheckDigit(a1.iccid.slice(0, -1))).toBe(a1.iccid.slice(-1));
    expect(a1.imsi).toMatch(/^\d{15}$/);
  });

  it('refuses an IMEI with a wrong check digit', () => {
    expect(() => memoryModem({ profile: { identity: { imei: '352656100123455' } } })).toThrow(/Luhn/);
  });
});

describe('SIM commands need the UICC powered (spec §8 item 15)', () => {
  it('+CIMI, %XICCID and +CPIN? fail in CFUN=0 and answer after CFUN=4', async () => {
    const m = memoryModem();
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT+CIMI')).toBe('+CME ERROR: 10\r\n');
    expect(await m.cmd('AT%XICCID')).toBe('+CME ERROR: 10\r\n');
    expect(await m.cmd('AT+CPIN?')).toBe('+CME ERROR: 10\r\n');
    await m.cmd('AT+CFUN=4');
    const { imsi, iccid } = m.modem.identity;
    expect(await m.cmd('AT+CIMI')).toBe(`${imsi}\r\nOK\r\n`);
    expect(await m.cmd('AT%XICCID')).toBe(`%XICCID: ${iccid}\r\nOK\r\n`);
    expect(await m.cmd('AT+CPIN?')).toBe('+CPIN: READY\r\nOK\r\n');
    await m.cmd('AT+CFUN=40');
    expect(await m.cmd('AT+CIMI')).toBe('+CME ERROR: 10\r\n');
  });
});

describe('+CFUN', () => {
  it('boots in 0 and reports 1, 4 and 0 as the radios and UICC change', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CFUN?')).toBe('+CFUN: 0\r\nOK\r\n');
    expect(await m.cmd('AT+CFUN=1')).toBe('OK\r\n');
    expect(await m.cmd('AT+CFUN?')).toBe('+CFUN: 1\r\nOK\r\n');
    expect(m.modem.functionalMode.lteActive).toBe(true);
    await m.cmd('AT+CFUN=20');
    expect(m.modem.functionalMode.lteActive).toBe(false);
    expect(await m.cmd('AT+CFUN?')).toBe('+CFUN: 1\r\nOK\r\n'); // GNSS still on
    await m.cmd('AT+CFUN=30');
    expect(await m.cmd('AT+CFUN?')).toBe('+CFUN: 4\r\nOK\r\n');
    await m.cmd('AT+CFUN=0');
    expect(await m.cmd('AT+CFUN?')).toBe('+CFUN: 0\r\nOK\r\n');
    expect(await m.cmd('AT+CFUN=?')).toBe('+CFUN: (0,1,4,20,21,30,31,40,41,44)\r\nOK\r\n');
    expect(await m.cmd('AT+CFUN=2')).toBe('ERROR\r\n');
  });
});

describe('+CCLK', () => {
  it('answers ERROR before the time is known, then keeps time on the clock', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CCLK?')).toBe('ERROR\r\n');
    expect(await m.cmd('AT+CCLK="24/02/28,23:59:30+08"')).toBe('OK\r\n');
    expect(await m.cmd('AT+CCLK?')).toBe('+CCLK: "24/02/28,23:59:30+08"\r\nOK\r\n');
    await m.clock.advance(60_000);
    expect(await m.cmd('AT+CCLK?')).toBe('+CCLK: "24/02/29,00:00:30+08"\r\nOK\r\n');
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT+CCLK="24/13/01,00:00:00+00"')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT+CCLK="23/02/29,00:00:00+00"')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT+CCLK=24')).toBe('ERROR\r\n');
  });

  it('handles negative time zones', async () => {
    const m = memoryModem();
    m.modem.control.setTime(Date.UTC(2024, 5, 1, 2, 0, 0), -20);
    expect(await m.cmd('AT+CCLK?')).toBe('+CCLK: "24/05/31,21:00:00-20"\r\nOK\r\n');
  });
});

describe('%XTEMP and %XVBAT', () => {
  it('report the readings control sets, and notify temperature level changes when subscribed', async () => {
    const m = memoryModem({ profile: { sensors: { temperatureC: 31, batteryMv: 3712 } } });
    expect(await m.cmd('AT%XTEMP?')).toBe('%XTEMP: 31\r\nOK\r\n');
    expect(await m.cmd('AT%XVBAT')).toBe('%XVBAT: 3712\r\nOK\r\n');
    m.modem.control.setBatteryVoltage(3300);
    expect(await m.cmd('AT%XVBAT')).toBe('%XVBAT: 3300\r\nOK\r\n');
    m.modem.control.setTemperature(85);
    expect(await m.cmd('AT%XTEMP=1')).toBe('OK\r\n');
    m.clear();
    m.modem.control.setTemperature(95);
    await m.until('%XTEMP: 2,95\r\n');
    m.modem.control.setTemperature(96);
    expect(await m.cmd('AT%XTEMP?')).toBe('%XTEMP: 96\r\nOK\r\n');
    expect(m.output()).toBe('%XTEMP: 2,95\r\n%XTEMP: 96\r\nOK\r\n');
  });
});
