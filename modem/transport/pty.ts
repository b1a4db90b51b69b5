import { closeSync, promises as fs, constants as fsConstants, write as fdWrite } from 'node:fs';
import type { TimerHandle } from '../../core/clock.js';
import { hostIo } from '../../core/host-io.js';
import { createRequire } from 'node:module';
import path from 'node:path';
import tty from 'node:tty';
import { TypedEmitter } from '../../core/events.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { trace } from '../../core/trace.js';
import { MAX_PENDING_OUTPUT, type Transport, type TransportEvents } from './transport.js';

interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

let nativePty: NativePty | undefined;

function loadNativePty(): NativePty {
  if (nativePty) return nativePty;
  const require = createRequire(import.meta.url);
  try {
    nativePty = require('node-pty/build/Release/pty.node') as NativePty;
  } catch (err) {
    throw new SimError(
      ErrorCode.PTY_UNAVAILABLE,
      'cannot load the PTY support (node-pty native module); run `npm ci` with a C++ toolchain, or use --serial tcp:PORT',
      { cause: err },
    );
  }
  return nativePty;
}

export interface PtyTransportOptions {
  /** A stable symlink to the PTY, e.g. `/tmp/nrf91-0`; replaced if a stale symlink is there. */
  link?: string;
}

/**
 * A real pseudo-terminal: the simulator owns the master side, and any serial tool opens the slave path
 * (`/dev/pts/N`, or the symlink) as it would open `/dev/ttyACM0`.
 *
 * We keep our own handle on the slave, in raw mode and never read: it keeps the line discipline raw
 * (no echo, no CR/LF translation) between clients and stops the master from hanging up when the last
 * client closes, so clients may open, close, reopen or die at will. Output written while no client
 * reads stays in the kernel's buffer (a few KB) for the next reader; clients that flush on open
 * (pyserial, `serialport`'s `flush()`) discard it.
 */
export class PtyTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly kind = 'pty' as const;
  private readonly master: tty.ReadStream;
  private readonly slaveHandle: tty.ReadStream;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private retry: TimerHandle | undefined;
  private isClosed = false;

  private constructor(
    private readonly masterFd: number,
    private readonly slaveFd: number,
    readonly ptyPath: string,
    readonly link: string | undefined,
  ) {
    super();
    this.slaveHandle = new tty.ReadStream(slaveFd);
    this.slaveHandle.setRawMode(true);
    this.slaveHandle.on('error', () => {});
    // Reads go through libuv's TTY handle. Writes do not: libuv treats a PTY master as a blocking-write
    // TTY and would spin (freezing the process) while no client drains the slave; see pump().
    this.master = new tty.ReadStream(masterFd);
    this.master.on('data', (chunk: Buffer) => this.emit('data', chunk));
    this.master.on('error', (err: NodeJS.ErrnoException) => {
      // EIO means every slave handle is gone; ours keeps one open, so this only happens on close.
      trace('transport', { transport: this.address, event: 'error', detail: err.code ?? err.message });
    });
  }

  static async open(options: PtyTransportOptions = {}): Promise<PtyTransport> {
    const native = loadNativePty();
    let opened: { master: number; slave: number; pty: string };
    try {
      opened = native.open(80, 24);
    } catch (err) {
      throw new SimError(ErrorCode.PTY_UNAVAILABLE, `cannot allocate a PTY: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const transport = new PtyTransport(opened.master, opened.slave, opened.pty, options.link);
    if (options.link) {
      try {
        await createLink(options.link, opened.pty);
      } catch (err) {
        await transport.close();
        throw err;
      }
    }
    return transport;
  }

  get address(): string {
    return this.link ?? this.ptyPath;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  write(data: Uint8Array | string): void {
    if (this.isClosed) return;
    const chunk = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    if (chunk.length === 0 || this.queued + chunk.length > MAX_PENDING_OUTPUT) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.pump();
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.retry?.cancel();
    this.queue.length = 0;
    this.queued = 0;
    this.master.destroy();
    this.slaveHandle.destroy();
    try {
      closeSync(this.slaveFd);
    } catch {
      // already closed
    }
    if (this.link) await removeLink(this.link, this.ptyPath);
    this.emit('close');
  }

  /**
   * Writes the queue to the non-blocking master fd. When no client drains the slave the kernel buffer
   * fills and writes fail with EAGAIN: back off (real time, this is real I/O) instead of spinning.
   */
  private pump(): void {
    const head = this.queue[0];
    if (this.writing || this.isClosed || !head) return;
    this.writing = true;
    fdWrite(this.masterFd, head, 0, head.length, null, (err, written) => {
      this.writing = false;
      if (this.isClosed) return;
      if (err) {
        if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') {
          this.retry = hostIo.after(5, () => this.pump()).unref();
        } else {
          this.queue.length = 0;
          this.queued = 0;
        }
        return;
      }
      this.queued -= written;
      if (written < head.length) this.queue[0] = head.subarray(written);
      else this.queue.shift();
      this.pump();
    });
  }
}

async function createLink(link: string, target: string): Promise<void> {
  const dir = path.dirname(link);
  try {
    await fs.access(dir, fsConstants.W_OK);
  } catch {
    throw new SimError(
      ErrorCode.PATH_UNWRITABLE,
      `cannot create ${link}: directory ${dir} is missing or not writable`,
    );
  }
  try {
    const st = await fs.lstat(link);
    if (!st.isSymbolicLink()) {
      throw new SimError(
        ErrorCode.PATH_UNWRITABLE,
        `cannot create ${link}: a file that is not a symlink is in the way`,
      );
    }
    await fs.unlink(link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await fs.symlink(target, link);
  } catch (err) {
    throw new SimError(ErrorCode.PATH_UNWRITABLE, `cannot create ${link}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function removeLink(link: string, target: string): Promise<void> {
  try {
    if ((await fs.readlink(link)) === target) await fs.unlink(link);
  } catch {
    // Already gone, or replaced by someone else's link: leave it.
  }
}
