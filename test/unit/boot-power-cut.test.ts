import { describe, expect, it } from 'vitest';
import {
  DeviceFlash,
  MemoryFlashStorage,
  PRIMARY_AREA,
  readSwapState,
  SECONDARY_AREA,
  type BootReport,
} from '../../firmware/boot/index.js';
import { parseImage, formatVersion } from '../../firmware/image/index.js';
import { appImage, flashWith, SMALL_LAYOUT, stage } from './boot-helpers.js';

const v1 = appImage('1.0.0');
const v2 = appImage('2.0.0', { size: 12_000 });

/** A copy of a flash's persisted state: what survives the power cut. */
async function clone(flash: DeviceFlash): Promise<MemoryFlashStorage> {
  const storage = new MemoryFlashStorage();
  await storage.store(PRIMARY_AREA, flash.primary.snapshot());
  await storage.store(SECONDARY_AREA, flash.secondary.snapshot());
  return storage;
}

const open = (storage: MemoryFlashStorage) => DeviceFlash.open({ storage, layout: SMALL_LAYOUT });

function versionIn(slot: Buffer): string {
  return formatVersion(parseImage(slot).header.version);
}

interface Outcome {
  report: BootReport;
  primary: Buffer;
  secondary: Buffer;
  next: BootReport;
}

async function finish(flash: DeviceFlash, report: BootReport): Promise<Outcome> {
  const primary = flash.primary.snapshot();
  const secondary = flash.secondary.snapshot();
  const next = await flash.bootloader().boot();
  return { report, primary, secondary, next };
}

const scenarios: Record<string, () => Promise<DeviceFlash>> = {
  'test swap': async () => {
    const { flash } = await flashWith(v1);
    await stage(flash, v2, 'test');
    return flash;
  },
  'permanent swap': async () => {
    const { flash } = await flashWith(v1);
    await stage(flash, v2, 'permanent');
    return flash;
  },
  revert: async () => {
    const { flash } = await flashWith(v1);
    await stage(flash, v2, 'test');
    await flash.bootloader().boot();
    return flash;
  },
};

describe('a power cut at every flash operation of a swap', () => {
  for (const [name, make] of Object.entries(scenarios)) {
    it(`${name}: the next power-up finishes with the same slots as an uninterrupted boot`, async () => {
      const initial = await clone(await make());
      const refFlash = await open(await cloneStorage(initial));
      const refReport = await refFlash.bootloader().boot();
      const reference = await finish(refFlash, refReport);
      const total = refReport.flashOperations;
      expect(total).toBeGreaterThan(20);

      const resumedAt: number[] = [];
      for (let k = 0; k < total; k++) {
        const storage = await cloneStorage(initial);
        const cut = await open(storage);
        cut.faults.cutAfter(k);
        await expect(cut.bootloader().boot()).rejects.toMatchObject({ code: 'NRF91SIM_BOOT_POWER_CUT' });
        const restored = await open(storage); // power back: only what reached flash survives
        const report = await restored.bootloader().boot();
        const outcome = await finish(restored, report);
        if (report.resumed) resumedAt.push(k);
        expect({ k, version: report.image?.version }).toEqual({ k, version: refReport.image?.version });
        if (report.swapType === refReport.swapType) {
          expect(outcome.primary.equals(reference.primary), `primary after a cut at op ${k}`).toBe(true);
          expect(outcome.secondary.equals(reference.secondary), `secondary after a cut at op ${k}`).toBe(
            true,
          );
        } else {
          // fixup_revert(): a cut just after the old image got a "permanent" trailer in the secondary
          // slot finishes as a permanent swap to that same old image. Same images, same flags; only
          // the swap_info byte in the primary trailer says PERM instead of REVERT.
          expect({ k, expected: refReport.swapType, got: report.swapType }).toEqual({
            k,
            expected: 'revert',
            got: 'perm',
          });
          expect(parseImage(outcome.primary).bytes.equals(parseImage(reference.primary).bytes)).toBe(true);
          expect(parseImage(outcome.secondary).bytes.equals(parseImage(reference.secondary).bytes)).toBe(
            true,
          );
          const flags = (b: Buffer) => {
            const st = readSwapState(
              {
                read: (o: number, l: number) => b.subarray(o, o + l),
                isErased: (o: number, l: number) => b.subarray(o, o + l).every((x) => x === 0xff),
              } as never,
              refFlash.layout,
            );
            return { magic: st.magic, copyDone: st.copyDone, imageOk: st.imageOk };
          };
          expect(flags(outcome.primary)).toEqual(flags(reference.primary));
          expect(flags(outcome.secondary)).toEqual(flags(reference.secondary));
        }
        expect(outcome.next.swapType).toBe(reference.next.swapType);
      }
      // Most cuts land after the swap was recorded, so the next boot resumes rather than restarts.
      expect(resumedAt.length).toBeGreaterThan(total / 2);
    });
  }

  it('survives a second cut while resuming', async () => {
    const initial = await clone(await scenarios['test swap']!());
    const ref = await open(await cloneStorage(initial));
    await ref.bootloader().boot();
    const refPrimary = ref.primary.snapshot();
    for (const [first, second] of [
      [10, 1],
      [15, 5],
      [25, 3],
      [30, 8],
    ] as const) {
      const storage = await cloneStorage(initial);
      const a = await open(storage);
      a.faults.cutAfter(first);
      await expect(a.bootloader().boot()).rejects.toMatchObject({ code: 'NRF91SIM_BOOT_POWER_CUT' });
      const b = await open(storage);
      b.faults.cutAfter(second);
      await expect(b.bootloader().boot()).rejects.toMatchObject({ code: 'NRF91SIM_BOOT_POWER_CUT' });
      const c = await open(storage);
      const report = await c.bootloader().boot();
      expect(report).toMatchObject({ resumed: true, swapType: 'test', image: { version: '2.0.0' } });
      expect(c.primary.snapshot().equals(refPrimary)).toBe(true);
      expect(versionIn(c.secondary.snapshot())).toBe('1.0.0');
    }
  });

  it('refuses a restarted swap whose secondary image went bad: swap type FAIL, primary confirmed', async () => {
    const initial = await clone(await scenarios['test swap']!());
    const storage = await cloneStorage(initial);
    const a = await open(storage);
    // Ops: erase primary trailer, swap_info, swap_size, magic, erase secondary trailer → cut before the first move.
    a.faults.cutAfter(5);
    await expect(a.bootloader().boot()).rejects.toMatchObject({ code: 'NRF91SIM_BOOT_POWER_CUT' });
    const b = await open(storage);
    await b.secondary.write(0x400, Buffer.alloc(4, 0));
    const report = await b.bootloader().boot();
    expect(report).toMatchObject({
      swapType: 'fail',
      resumed: false,
      image: { version: '1.0.0', confirmed: true },
    });
    expect(report.secondaryErased?.code).toBe('NRF91SIM_IMAGE_HASH_MISMATCH');
  });
});

async function cloneStorage(from: MemoryFlashStorage): Promise<MemoryFlashStorage> {
  const to = new MemoryFlashStorage();
  for (const area of [PRIMARY_AREA, SECONDARY_AREA]) {
    const data = await from.load(area);
    if (data) await to.store(area, data);
  }
  return to;
}
