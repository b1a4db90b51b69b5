import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The temporary file `writeFileAtomic` writes beside its target before renaming it into place. */
const TEMPORARY = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes the temporary files of atomic writes that a crash cut short (they may hold private keys)
 * under `dir`, recursively. Only files older than `olderThanMs` at `now` go, so a write another
 * process has under way in a shared folder is left alone; 0 takes all (the caller holds the lock).
 * Returns the files removed.
 */
export async function removeAtomicWriteLeftovers(
  dir: string,
  now: number,
  olderThanMs = 0,
): Promise<string[]> {
  const removed: string[] = [];
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return removed;
    throw err;
  }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) removed.push(...(await removeAtomicWriteLeftovers(file, now, olderThanMs)));
    else if (entry.isFile() && TEMPORARY.test(entry.name)) {
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat || now - stat.mtimeMs < olderThanMs) continue;
      await fs.rm(file, { force: true });
      removed.push(file);
    }
  }
  return removed;
}
