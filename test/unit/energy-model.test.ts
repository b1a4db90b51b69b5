import { describe, expect, it } from 'vitest';
import { memoryModem } from '../helpers/memory-modem.js';

// The published figures the model is built from (nRF9160 PS, "Modem current consumption", B20).
const PSM_FLOOR_UA = 2.7;
const TAU_MA = 105 / 1.5 / 3.7; // EPSM_TAU 105 mJ over TPSM_TAU 1.5 s at 3.7 V
const PAGING_UC = (18 - 6) / (1 / 81.92 - 1 / 655.36); // IEDRX 18 µA @ 81.92 s, IIEDRX 6 µA @ 655.36 s
const EDRX_BASE_UA = 18 - PAGING_UC / 81.92;
const idleUa = (cycleS: number): number => EDRX_BASE_UA + PAGING_UC / cycleS;
const uah = (ua: number, ms: number): number => (ua * ms) / 3_600_000;
const HOUR = 3_600_000;

describe('energy estimate (modem.control.energy)', () => {
  it('a modem with its radio off draws the PSM floor: 2.7 µA × time, and a 1000 mAh battery lasts 15,432 days', async () => {
    const m = memoryModem();
    await m.clock.advance(HOUR);
    const r = m.modem.control.energy({ batteryMah: 1000 });
    expect(r.elapsedMs).toBe(HOUR);
    expect(r.timeMs).toEqual({ off: HOUR, psm: 0, idle: 0, connected: 0, searching: 0 });
    expect(r.totalUah).toBeCloseTo(2.7, 12);
    expect(r.averageUa).toBeCloseTo(2.7, 12);
    expect(r.battery?.lifeDays).toBeCloseTo(1_000_000 / 2.7 / 24, 6);
  });

  it('a PSM cycle: search, the attach and RRC inactivity, Active-Time idle, then PSM at the floor current', async () => {
    const m = memoryModem();
    // T3412 1 h, T3324 2 s.
    await m.cmd('AT+CPSMS=1,,,"00100001","00000001"');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(13_500);
    expect(m.modem.control.status().powerSaving).toBe('psm');
    await m.clock.advance(3_000_000);
    const r = m.modem.control.energy();
    // 1.5 s search; 10 s RRC connected from the cell found (attach included); 2 s idle; then PSM.
    expect(r.timeMs).toEqual({ off: 0, psm: 3_000_000, idle: 2000, connected: 10_000, searching: 1500 });
    expect(r.chargeUah.psm).toBeCloseTo(uah(PSM_FLOOR_UA, 3_000_000), 12);
    expect(r.chargeUah.psm).toBeCloseTo(2.25, 12);
    expect(r.chargeUah.idle).toBeCloseTo(uah(idleUa(2.56), 2000), 12);
    expect(r.chargeUah.connected).toBeCloseTo(uah(TAU_MA * 1000, 10_000), 9);
    expect(r.chargeUah.searching).toBeCloseTo(uah(TAU_MA * 1000, 1500), 9);
    const total = 2.25 + uah(idleUa(2.56), 2000) + uah(TAU_MA * 1000, 11_500);
    expect(r.totalUah).toBeCloseTo(total, 9);
    expect(r.averageUa).toBeCloseTo((total * HOUR) / 3_013_500, 9);
  });

  it('idle with eDRX: the network-provided cycle (163.84 s) sets the paging current', async () => {
    const m = memoryModem();
    await m.cmd('AT+CEDRXS=2,4,"0101"');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(11_500);
    expect(m.modem.control.status().rrc).toBe('idle');
    await m.clock.advance(HOUR);
    const r = m.modem.control.energy();
    expect(r.timeMs.idle).toBe(HOUR);
    expect(r.chargeUah.idle).toBeCloseTo(idleUa(163.84), 12);
    // The published points themselves: 18 µA at 81.92 s and 6 µA at 655.36 s.
    expect(idleUa(81.92)).toBeCloseTo(18, 12);
    expect(idleUa(655.36)).toBeCloseTo(6, 12);
  });

  it("data on the air costs the transfer current for the bytes' air time, at the power the signal needs", async () => {
    const m = memoryModem();
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    // 37,500 bytes up at the lte-m rate (375 kbit/s, no link limit set) = 800 ms at 0 dBm (45 mA).
    m.modem.dataPath.countTraffic('up', 37_500);
    // At -115 dBm uplink power control needs 23 dBm: 105 mA.
    m.modem.control.setSignal({ rsrp: -115 });
    m.modem.dataPath.countTraffic('up', 37_500);
    // 30,000 bytes down at 300 kbit/s = 800 ms, counted at 0 dBm.
    m.modem.dataPath.countTraffic('down', 30_000);
    const r = m.modem.control.energy();
    expect(r.airtimeMs).toEqual({ tx: 1600, rx: 800 });
    expect(r.chargeUah.tx).toBeCloseTo(uah((45 - TAU_MA) * 1000, 800) + uah((105 - TAU_MA) * 1000, 800), 9);
    expect(r.chargeUah.rx).toBeCloseTo(uah((45 - TAU_MA) * 1000, 800), 9);
  });

  it('stops counting when the modem closes (power off)', async () => {
    const m = memoryModem();
    await m.clock.advance(1000);
    await m.modem.close();
    await m.clock.advance(HOUR);
    const r = m.modem.control.energy();
    expect(r.elapsedMs).toBe(1000);
    expect(r.totalUah).toBeCloseTo(uah(2.7, 1000), 12);
  });
});

describe('energy estimate reset', () => {
  it('counts afresh from the reset, the modem staying in its state', async () => {
    const m = memoryModem();
    await m.clock.advance(HOUR);
    m.modem.control.resetEnergy();
    await m.clock.advance(1000);
    const r = m.modem.control.energy();
    expect(r.elapsedMs).toBe(1000);
    expect(r.timeMs.off).toBe(1000);
    expect(r.totalUah).toBeCloseTo(uah(2.7, 1000), 12);
  });
});
