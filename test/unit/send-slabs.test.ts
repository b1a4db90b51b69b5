import { describe, expect, it } from 'vitest';
import { SendSlabs, type Run } from '../../modem/sockets/send-slabs.js';

const bytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

describe('SendSlabs: the copy of what send() accepted', () => {
  it('copies: the caller may change its buffer right after append', () => {
    const slabs = new SendSlabs(64);
    const mine = bytes(8, 1);
    slabs.append(mine, () => expect.fail('no spill'));
    mine.fill(9);
    expect(slabs.takeRun()?.chunk).toEqual(bytes(8, 1));
  });

  it('consecutive appends leave as one run, in order', () => {
    const slabs = new SendSlabs(64);
    slabs.append(bytes(4, 1), () => expect.fail('no spill'));
    slabs.append(bytes(4, 2), () => expect.fail('no spill'));
    expect(slabs.hasRun).toBe(true);
    const run = slabs.takeRun();
    expect(run?.chunk).toEqual(Buffer.concat([bytes(4, 1), bytes(4, 2)]));
    expect(slabs.hasRun).toBe(false);
    expect(slabs.takeRun()).toBeUndefined();
  });

  it('spills the open run before starting a new slab, so order holds across slabs', () => {
    const slabs = new SendSlabs(64);
    const spilled: Run[] = [];
    for (let i = 0; i < 5; i++) slabs.append(bytes(16, i), (r) => spilled.push(r));
    expect(spilled).toHaveLength(1);
    const last = slabs.takeRun();
    const all = Buffer.concat([...spilled.map((r) => r.chunk), last?.chunk ?? Buffer.alloc(0)]);
    expect(all).toEqual(Buffer.concat([0, 1, 2, 3, 4].map((i) => bytes(16, i))));
  });

  it('reuses a slab only after every write of it completed', () => {
    const slabs = new SendSlabs(64, 1);
    slabs.append(bytes(16, 1), () => expect.fail('no spill'));
    const first = slabs.takeRun() as Run;
    const firstBacking = first.chunk.buffer;
    // Fill the rest of the slab and move on to a second one while the first write is pending.
    for (let i = 0; i < 3; i++) slabs.append(bytes(16, 2), () => expect.fail('no spill'));
    const spills: Run[] = [];
    slabs.append(bytes(16, 3), (r) => spills.push(r));
    const second = slabs.takeRun() as Run;
    expect(second.chunk.buffer).not.toBe(firstBacking);
    // The bytes of the pending write are intact.
    expect(first.chunk).toEqual(bytes(16, 1));
    // Once both writes of the first slab complete, the next new slab is that one.
    first.written();
    (spills[0] as Run).written();
    for (let i = 0; i < 3; i++) slabs.append(bytes(16, 4), () => undefined);
    const spills2: Run[] = [];
    slabs.append(bytes(16, 5), (r) => spills2.push(r));
    expect(slabs.takeRun()?.chunk.buffer).toBe(firstBacking);
  });

  it('release() forgets every slab; writes that complete later do not bring one back', () => {
    const slabs = new SendSlabs(64, 2);
    for (let i = 0; i < 4; i++) slabs.append(bytes(16, 1), () => undefined);
    const pending = slabs.takeRun() as Run;
    slabs.append(bytes(16, 2), () => undefined); // retires the full slab while its write is pending
    const backing = pending.chunk.buffer;
    slabs.release();
    pending.written();
    slabs.append(bytes(16, 3), () => undefined);
    expect(slabs.takeRun()?.chunk.buffer).not.toBe(backing);
  });

  it('says which sends are small enough to share a slab', () => {
    const slabs = new SendSlabs(64 * 1024);
    expect(slabs.fits(16 * 1024)).toBe(true);
    expect(slabs.fits(16 * 1024 + 1)).toBe(false);
  });
});
