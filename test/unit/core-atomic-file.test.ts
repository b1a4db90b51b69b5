import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../core/atomic-file.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates missing folders, replaces content and leaves no temporary files', async () => {
    const file = path.join(dir, 'a', 'b', 'state.json');
    await writeJsonAtomic(file, { v: 1 });
    await writeJsonAtomic(file, { v: 2 });
    expect(await readJsonFile(file)).toEqual({ v: 2 });
    expect(await fs.readdir(path.dirname(file))).toEqual(['state.json']);
  });

  it('leaves the old content in place when the write cannot complete', async () => {
    const file = path.join(dir, 'keep.txt');
    await writeFileAtomic(file, 'old');
    // A directory where the target should be makes the final rename fail, like a crash before it.
    const blocked = path.join(dir, 'blocked');
    await fs.mkdir(path.join(blocked), { recursive: true });
    await fs.writeFile(path.join(blocked, 'x'), 'x');
    await expect(writeFileAtomic(blocked, 'new')).rejects.toThrow();
    expect(await fs.readFile(file, 'utf8')).toBe('old');
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('gives concurrent writers whole files, never a mix', async () => {
    const file = path.join(dir, 'race.txt');
    const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000));
    await Promise.all(contents.map((c) => writeFileAtomic(file, c)));
    expect(contents).toContain(await fs.readFile(file, 'utf8'));
  });

  it('reads a missing JSON file as undefined and a corrupt one as an error', async () => {
    expect(await readJsonFile(path.join(dir, 'none.json'))).toBeUndefined();
    await fs.writeFile(path.join(dir, 'bad.json'), '{"torn');
    await expect(readJsonFile(path.join(dir, 'bad.json'))).rejects.toThrow(SyntaxError);
  });
});
