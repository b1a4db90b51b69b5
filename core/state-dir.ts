import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { ErrorCode, SimError } from './errors.js';

/**
 * Creates `dir` and its missing parents one component at a time. Node's `mkdir({ recursive: true })`
 * never returns for a path under a pseudo-filesystem such as `/proc` (it retries the parent forever at
 * full CPU), so every directory the simulator makes goes through here instead.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const absolute = path.resolve(dir);
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    let stat;
    try {
      stat = await fs.stat(current);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw err;
      const parent = path.dirname(current);
      if (parent === current) throw err;
      missing.push(current);
      current = parent;
      continue;
    }
    if (!stat.isDirectory()) {
      const err = new Error(`${current} is not a directory`) as NodeJS.ErrnoException;
      err.code = 'ENOTDIR';
      throw err;
    }
    break;
  }
  for (const d of missing.reverse()) {
    try {
      await fs.mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/**
 * Makes sure `dir` exists and the simulator can keep state in it: creates it if needed, then writes,
 * syncs and removes a probe file, so a read-only mount or a pseudo-filesystem (`/proc`, `/sys`) is
 * refused at once with `NRF91SIM_PATH_UNWRITABLE` instead of failing on the first acknowledged write.
 */
export async function prepareStateDir(dir: string): Promise<void> {
  try {
    await makeDirectory(dir);
    await fs.access(dir, constants.W_OK);
    const probe = path.join(dir, `.nrf91sim-probe-${process.pid}`);
    const handle = await fs.open(probe, 'w', 0o600);
    try {
      await handle.writeFile('probe');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rm(probe, { force: true });
  } catch (err) {
    throw new SimError(
      ErrorCode.PATH_UNWRITABLE,
      `state directory ${dir} is not writable: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
