import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeviceFlash,
  DirectoryFlashStorage,
  FlashArea,
  MemoryFlashStorage,
  PowerFaults,
  PRIMARY_AREA,
  SECONDARY_AREA,
} from '../../firmware/boot/index.js';
import { PagedBytes, PagePool } from '../../firmware/boot/flash-pages.js';
import { appImage, SMALL_LAYOUT, stage } from './boot-helpers.js';

const PAGE = 0x1000;
const SIZE = 8 * PAGE;

type Op = { kind: 'erase'; page: number; pages: number } | { kind: 'write'; off: number; bytes: Uint8Array };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc
    .record({ page: fc.integer({ min: 0, max: 7 }), pages: fc.integer({ min: 1, max: 3 }) })
    .map(({ page, pages }) => ({ kind: 'erase' as const, page, pages: Math.min(pages, 8 - page) })),
  fc
    .record({
      word: fc.integer({ min: 0, max: SIZE / 4 - 1 }),
      words: fc.integer({ min: 1, max: 1500 }),
      fill: fc.integer({ min: 0, max: 255 }),
      noise: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    })
    .map(({ word, words, fill, noise }) => {
      const len = Math.min(words, SIZE / 4 - word) * 4;
      const bytes = new Uint8Array(len).fill(fill);
      noise.forEach((b, i) => (bytes[(i * 97) % len] = b));
      return { kind: 'write' as const, off: word * 4, bytes };
    }),
);

/** The flat model of NOR flash every paged area must match byte for byte. */
function applyFlat(flat: Buffer, o: Op): void {
  if (o.kind === 'erase') flat.fill(0xff, o.page * PAGE, (o.page + o.pages) * PAGE);
  else for (let i = 0; i < o.bytes.length; i++) flat[o.off + i]! &= o.bytes[i]!;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-flash-pages-'));
  dirs.push(d);
  return d;
}

describe('paged flash', () => {
  it('reads back exactly what a flat NOR model holds, after any erases and writes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const pool = new PagePool();
        const paged = PagedBytes.erased(SIZE, PAGE, pool);
        const flat = Buffer.alloc(SIZE, 0xff);
        for (const o of ops) {
          if (o.kind === 'erase') paged.erase(o.page * PAGE, o.pages * PAGE);
          else paged.program(o.off, o.bytes);
          applyFlat(flat, o);
        }
        expect(paged.toBuffer().equals(flat)).toBe(true);
        expect(paged.read(100, 5000).equals(flat.subarray(100, 5100))).toBe(true);
        expect(paged.isErased(0, SIZE)).toBe(flat.every((b) => b === 0xff));
        // An erased page costs nothing.
        let programmed = 0;
        for (let p = 0; p < 8; p++)
          if (!flat.subarray(p * PAGE, (p + 1) * PAGE).every((b) => b === 0xff)) programmed++;
        expect(paged.programmedPages).toBe(programmed);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps pages with the same content once, and a write to one copy leaves the other', () => {
    const pool = new PagePool();
    const image = Buffer.alloc(3 * PAGE + 100, 0x5a);
    const a = PagedBytes.erased(SIZE, PAGE, pool);
    const b = PagedBytes.erased(SIZE, PAGE, pool);
    a.program(0, Buffer.concat([image, Buffer.alloc(4 * PAGE - image.length, 0xff)]));
    b.program(0, Buffer.concat([image, Buffer.alloc(4 * PAGE - image.length, 0xff)]));
    // 3 identical full pages + one partial page, the same in both: 2 distinct contents.
    expect(pool.size).toBe(2);
    b.program(PAGE, Buffer.alloc(4, 0));
    expect(a.read(PAGE, 4).equals(Buffer.alloc(4, 0x5a))).toBe(true);
    expect(b.read(PAGE, 4).equals(Buffer.alloc(4, 0))).toBe(true);
    expect(pool.size).toBe(3);
  });

  it('a returned read is a copy: changing it changes no flash', () => {
    const paged = PagedBytes.from(Buffer.alloc(PAGE, 1), PAGE, new PagePool());
    const copy = paged.read(0, 16);
    copy.fill(7);
    expect(paged.read(0, 16).equals(Buffer.alloc(16, 1))).toBe(true);
  });

  it('persists every operation to the flash file byte for byte, and an erased area needs no file', async () => {
    const dir = await tempDir();
    const storage = new DirectoryFlashStorage(dir);
    const faults = new PowerFaults();
    const geometry = { sectorSize: PAGE, writeSize: 4 };
    const area = await FlashArea.open('area', SIZE, geometry, storage, faults);
    await area.erase(0, SIZE);
    await expect(stat(storage.file('area'))).rejects.toThrow(/ENOENT/);
    const flat = Buffer.alloc(SIZE, 0xff);
    const ops: Op[] = fc.sample(op, { numRuns: 40, seed: 7 });
    for (const o of ops) {
      if (o.kind === 'erase') await area.erase(o.page * PAGE, o.pages * PAGE);
      else await area.write(o.off, o.bytes);
      applyFlat(flat, o);
    }
    const onDisk = await readFile(storage.file('area'));
    expect(onDisk.length).toBe(SIZE);
    expect(onDisk.equals(flat)).toBe(true);
    const reopened = await FlashArea.open('area', SIZE, geometry, storage, faults);
    expect(reopened.snapshot().equals(flat)).toBe(true);
  });

  it('two devices on one image: updating one leaves the other slot unchanged on disk and in memory', async () => {
    const root = await tempDir();
    const v1 = appImage('1.0.0', { size: 20_000 });
    const v2 = appImage('2.0.0', { size: 20_000 });
    const open = (name: string) => DeviceFlash.open({ dir: path.join(root, name), layout: SMALL_LAYOUT });
    const a = await open('a');
    const b = await open('b');
    await a.program(v1);
    await b.program(v1);
    await stage(a, v1);
    await stage(b, v1);
    const before = b.secondary.snapshot();
    const beforeFile = await readFile(b.file(SECONDARY_AREA)!);
    // Device a receives another image in its secondary slot and boots it.
    await a.secondary.erase(0, a.layout.slotSize);
    await stage(a, v2);
    expect((await a.bootloader().boot()).image?.version).toBe('2.0.0');
    expect(b.secondary.snapshot().equals(before)).toBe(true);
    expect((await readFile(b.file(SECONDARY_AREA)!)).equals(beforeFile)).toBe(true);
    expect((await readFile(b.file(PRIMARY_AREA)!)).equals(b.primary.snapshot())).toBe(true);
    expect((await b.bootloader().boot()).image?.version).toBe('1.0.0');
    // a's flash on disk is what a holds.
    expect((await readFile(a.file(PRIMARY_AREA)!)).equals(a.primary.snapshot())).toBe(true);
    expect((await readFile(a.file(SECONDARY_AREA)!)).equals(a.secondary.snapshot())).toBe(true);
  });

  it('memory storage keeps a reopened area exactly and costs no copy per area', async () => {
    const storage = new MemoryFlashStorage();
    const flash = await DeviceFlash.open({ storage, layout: SMALL_LAYOUT });
    await flash.program(appImage('1.0.0'));
    const again = await DeviceFlash.open({ storage, layout: SMALL_LAYOUT });
    expect(again.primary.snapshot().equals(flash.primary.snapshot())).toBe(true);
    expect(again.primary.programmedSectors).toBe(flash.primary.programmedSectors);
    expect(again.secondary.programmedSectors).toBe(0);
    expect((await storage.load(PRIMARY_AREA))?.equals(flash.primary.snapshot())).toBe(true);
  });
});
