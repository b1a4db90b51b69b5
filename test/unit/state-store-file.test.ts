import { mkdtemp, readFile, rm, stat, writeFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSimError } from '../../core/errors.js';
import { FileStore } from '../../broker-fixtures/index.js';
import { describeStateStore } from './state-store-conformance.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-store-'));
  dirs.push(dir);
  return dir;
}
async function opened(dir: string, compactBytes?: number): Promise<FileStore> {
  const store = await FileStore.open({ dir, ...(compactBytes ? { compactBytes } : {}) });
  await store.recover();
  return store;
}

describeStateStore('file', async () => {
  const dir = await tempDir();
  return { open: () => opened(dir), durable: true };
});
// The same contract holds across compactions (a snapshot every few commits).
describeStateStore('file, compacting', async () => {
  const dir = await tempDir();
  return { open: () => opened(dir, 600), durable: true };
});

describe('FileStore on disk', () => {
  it('has the commit in journal.log (0600) when it resolves, one line per group commit', async () => {
    const dir = await tempDir();
    const store = await opened(dir);
    await Promise.all([store.put('things', 'a', { n: 1 }), store.put('things', 'b', { n: 2 })]);
    const journal = await readFile(path.join(dir, 'journal.log'), 'utf8');
    expect(journal).toContain('"a",{"n":1}');
    expect(journal).toContain('"b",{"n":2}');
    expect((await stat(path.join(dir, 'journal.log'))).mode & 0o777).toBe(0o600);
    await store.close();
  });

  it('drops a torn last line (never acknowledged) and keeps everything before it', async () => {
    const dir = await tempDir();
    const store = await opened(dir);
    await store.put('things', 'kept', { n: 1 });
    await store.close();
    const file = path.join(dir, 'journal.log');
    // A write cut short: the start of a line where the next one goes, zeros after it.
    const bytes = await readFile(file);
    const end = bytes.indexOf(0) < 0 ? bytes.length : bytes.indexOf(0);
    await writeFile(
      file,
      Buffer.concat([
        bytes.subarray(0, end),
        Buffer.from('0badf00d {"seq":2,"changes":[["put","things","torn"'),
        bytes.subarray(end + 48),
      ]),
    );
    const before = await readFile(file);
    const again = await FileStore.open({ dir });
    // Opening only reads: the torn line is still there until recover.
    expect(await readFile(file)).toEqual(before);
    expect(await again.get('things', 'kept')).toEqual({ n: 1 });
    expect(await again.get('things', 'torn')).toBeUndefined();
    await again.recover();
    await again.put('things', 'next', { n: 3 });
    await again.close();
    const third = await opened(dir);
    expect((await third.list('things')).map(([k]) => k)).toEqual(['kept', 'next']);
    await third.close();
  });

  it('folds the journal into state.json when it grows, without losing a commit', async () => {
    const dir = await tempDir();
    const store = await opened(dir, 2000);
    await Promise.all(
      Array.from({ length: 300 }, (_, i) => store.put('shadows', `s${i % 13}`, { version: i })),
    );
    await store.close();
    const snapshot = JSON.parse(await readFile(path.join(dir, 'state.json'), 'utf8')) as { sequence: number };
    expect(snapshot.sequence).toBeGreaterThan(0);
    const again = await opened(dir);
    expect(await again.get('shadows', 's12')).toEqual({ version: 298 });
    expect((await again.list('shadows')).length).toBe(13);
    await again.close();
  });

  it('moves per-collection files of earlier versions into the snapshot, then removes them', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'things.json'), JSON.stringify({ old: { thingName: 'old' } }));
    const store = await opened(dir);
    expect(await store.get('things', 'old')).toEqual({ thingName: 'old' });
    await store.close();
    expect((await readdir(dir)).sort()).toEqual(['journal.log', 'state.json']);
    const again = await opened(dir);
    expect(await again.get('things', 'old')).toEqual({ thingName: 'old' });
    await again.close();
  });

  it('refuses a store whose disk write failed: later commits are rejected, not acknowledged', async () => {
    const dir = await tempDir();
    const store = await opened(dir);
    await store.put('things', 'a', 1);
    // Replace the journal by a directory: the next append fails.
    await rm(path.join(dir, 'journal.log'));
    const journalHandle = (store as unknown as { handle: { close(): Promise<void> } }).handle;
    await journalHandle.close();
    const first = await store.put('things', 'b', 2).catch((e: unknown) => e);
    expect(isSimError(first, 'NRF91SIM_PATH_UNWRITABLE')).toBe(true);
    const second = await store.put('things', 'c', 3).catch((e: unknown) => e);
    expect(isSimError(second, 'NRF91SIM_PATH_UNWRITABLE')).toBe(true);
    await store.close().catch(() => undefined);
  });
});
