import { afterTurn } from '../../core/turn.js';

/** Above this many unread bytes the host connection stops reading (the modem's receive window). */
const RECEIVE_WINDOW = 1024 * 1024;

/** The host side that the window holds back. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * What arrived for the device and it has not read yet, as the chunks the host handed over. Past
 * {@link RECEIVE_WINDOW} unread bytes the host connection stops reading (TCP flow control then
 * stops the server); it reads again once the device took half of it.
 */
export class ReceiveWindow {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private hostPaused = false;
  private wakePending = false;

  /** `arrived` runs once per event-loop turn in which chunks arrived. */
  constructor(
    private readonly host: Pausable,
    private readonly arrived: () => void,
  ) {}

  /** Unread bytes. */
  get queued(): number {
    return this.bytes;
  }

  /**
   * Queues a chunk. `readerWaiting`: a reader blocked in recv (or poll) takes this turn's chunks as
   * soon as it wakes, so the window does not close under it.
   */
  push(chunk: Buffer, readerWaiting: boolean): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes > RECEIVE_WINDOW && !this.hostPaused && !readerWaiting) {
      this.hostPaused = true;
      this.host.pause();
    }
    // Wake readers once per event-loop turn: chunks that arrive together are read together.
    if (!this.wakePending) {
      this.wakePending = true;
      afterTurn(() => {
        this.wakePending = false;
        this.arrived();
      });
    }
  }

  /**
   * Up to `max` bytes. Without `whole` one arrived chunk is a complete answer (recv may return less
   * than asked): handing out what arrived as it is costs no copy.
   */
  take(max: number, peek: boolean, whole = false): Buffer {
    const head = this.chunks[0] as Buffer;
    const n = whole ? Math.min(max, this.bytes) : Math.min(max, head.length);
    if (head.length >= n) {
      if (peek) return head.subarray(0, n);
      if (head.length === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
      this.consumed(n);
      return head.length === n ? head : head.subarray(0, n);
    }
    // Copy exactly n bytes out of the leading chunks.
    const out = Buffer.allocUnsafe(n);
    this.fill(out, peek);
    return out;
  }

  /** Copies what has arrived, up to `buf.length`, into `buf`; a chunk cut in two stays queued in part. */
  fill(buf: Uint8Array, peek: boolean): number {
    const n = Math.min(buf.length, this.bytes);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.chunks[i] as Buffer;
      const part = Math.min(c.length, n - filled);
      buf.set(part === c.length ? c : c.subarray(0, part), filled);
      filled += part;
      if (!peek && part < c.length) this.chunks[i] = c.subarray(part);
      else i++;
    }
    if (!peek) {
      this.chunks.splice(0, i);
      this.consumed(n);
    }
    return n;
  }

  /** Discards everything unread (close, teardown). */
  clear(): void {
    this.chunks.length = 0;
    this.bytes = 0;
  }

  /** Opens the window again whatever is queued (a closing socket discards what it receives). */
  reopen(): void {
    this.hostPaused = false;
    this.host.resume();
  }

  private consumed(n: number): void {
    this.bytes -= n;
    if (this.hostPaused && this.bytes < RECEIVE_WINDOW / 2) this.reopen();
  }
}
