import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ErrorCode, SimError } from '../../core/errors.js';

interface Holder {
  pid: number;
  dir: string;
}

/**
 * One broker per state directory. The lock is a listening Unix socket: on Linux in the abstract
 * namespace, named after the directory's device and inode, so the kernel drops it the instant its
 * process dies (a `kill -9` leaves nothing stale) and two paths to one directory meet the same lock;
 * elsewhere a socket file in the directory, cleared when no one answers on it (as `device boot` does).
 * A second claimant connects, learns the holder's pid, and is refused with NRF91SIM_STATE_IN_USE.
 */
export class StateLock {
  private constructor(
    private readonly server: net.Server,
    private readonly file: string | undefined,
  ) {}

  /** Takes the lock on `dir` (which must exist) for this process. */
  static async acquire(dir: string): Promise<StateLock> {
    const address = await lockAddress(dir);
    for (let attempt = 0; ; attempt++) {
      const server = net.createServer((socket) => {
        socket.end(JSON.stringify({ pid: process.pid, dir } satisfies Holder));
      });
      const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        server.once('error', resolve);
        server.listen(address.name, () => resolve(undefined));
      });
      if (!error) {
        server.unref();
        if (address.file) await fs.chmod(address.file, 0o600).catch(() => undefined);
        return new StateLock(server, address.file);
      }
      if (error.code !== 'EADDRINUSE' || attempt >= 3) {
        throw new SimError(ErrorCode.PATH_UNWRITABLE, `cannot lock the state in ${dir}: ${error.message}`, {
          cause: error,
        });
      }
      const holder = await askHolder(address.name);
      if (holder) {
        throw new SimError(
          ErrorCode.STATE_IN_USE,
          `the broker state in ${dir} is in use by process ${holder.pid}: another nrf91sim broker runs on this --state; stop it or use another --state`,
        );
      }
      // Nobody answers: the holder has just exited, or (socket file) died and left its file behind.
      if (address.file) await fs.rm(address.file, { force: true });
    }
  }

  async release(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.file) await fs.rm(this.file, { force: true }).catch(() => undefined);
  }
}

async function lockAddress(dir: string): Promise<{ name: string; file: string | undefined }> {
  const stat = await fs.stat(dir);
  if (process.platform === 'linux') {
    return { name: `\0nrf91sim-broker-state-${stat.dev}-${stat.ino}`, file: undefined };
  }
  const file = path.join(dir, '.broker.lock');
  return { name: file, file };
}

function askHolder(name: string): Promise<Holder | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect(name);
    socket.setEncoding('utf8');
    // A live holder answers at once; a wedged one must not hang the claimant.
    socket.setTimeout(2000, () => socket.destroy());
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('error', () => resolve(undefined));
    socket.once('close', () => {
      try {
        const holder = JSON.parse(text) as Holder;
        resolve(typeof holder.pid === 'number' ? holder : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}
