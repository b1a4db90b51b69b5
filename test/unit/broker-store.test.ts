import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { isSimError } from '../../core/errors.js';
import { FileStore } from '../../broker-fixtures/index.js';

let dir: string;
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileStore', () => {
  it('writes behind on the clock and reads back after a reopen', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-store-'));
    const clock = new VirtualClock();
    const store = new FileStore({ dir, clock, writeDelayMs: 100 });
    await store.put('things', 'a', { thingName: 'a' });
    await store.put('things', 'b', { thingName: 'b' });
    await expect(readFile(path.join(dir, 'things.json'), 'utf8')).rejects.toThrow();
    await clock.advance(100);
    await store.flush();
    expect(JSON.parse(await readFile(path.join(dir, 'things.json'), 'utf8'))).toEqual({
      a: { thingName: 'a' },
      b: { thingName: 'b' },
    });
    expect(await store.delete('things', 'a')).toBe(true);
    await store.close();
    const again = new FileStore({ dir, clock });
    expect(await again.list('things')).toEqual([['b', { thingName: 'b' }]]);
    await again.close();
  });

  it('reports a corrupt collection file with NRF91SIM_STATE_CORRUPT', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-store-'));
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'shadows.json'), '{"torn": ');
    const store = new FileStore({ dir });
    const err = await store.get('shadows', 'x').catch((e: unknown) => e);
    expect(isSimError(err, 'NRF91SIM_STATE_CORRUPT')).toBe(true);
  });
});
