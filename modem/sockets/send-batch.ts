import { afterTurn } from '../../core/turn.js';
import { SendSlabs, type Run } from './send-slabs.js';
import type { SocketProfile } from './socket-context.js';
import type { UplinkSink } from './stream-link.js';

/** Bytes gathered before a host write without waiting for the end of the event-loop turn. */
const OUTBOX_FLUSH = 16 * 1024;
/** Sent bytes are copied into slabs of this size: one allocation for many small sends. */
const SLAB_BYTES = 64 * 1024;

/** Where a batch goes, and who hears that it went. */
export interface SendBatchTarget {
  write(chunks: ReadonlyArray<Buffer | Run>): void;
  /** After every flush (the socket wakes senders, or finishes a graceful close). */
  flushed(): void;
}

/**
 * What send() accepted on its way to the host connection. Chunks that crossed the link are written
 * together at the end of the event-loop turn (or once {@link OUTBOX_FLUSH} bytes are waiting), so
 * sends in a loop cost one syscall, not one each; small sends are copied into shared slabs.
 */
export class SendBatch implements UplinkSink {
  /** Bytes accepted by send() and not yet written to the host connection (the modem's send buffer). */
  backlog = 0;
  private outbox: Array<Buffer | Run> = [];
  private outboxBytes = 0;
  private readonly slabs = new SendSlabs(SLAB_BYTES);
  private flushedBytes = 0;
  private flushPending = false;

  constructor(
    private readonly profile: SocketProfile,
    private readonly target: SendBatchTarget,
  ) {}

  /** Bytes that crossed the link and wait for the next host write. */
  get waiting(): number {
    return this.outboxBytes;
  }

  /** send() took `n` bytes: they count against the send buffer until written. */
  accept(n: number): void {
    this.backlog += n;
  }

  /** Bytes that crossed the link at once: copied into the send slabs (see {@link SendSlabs}). */
  stage(data: Uint8Array): void {
    if (!this.slabs.fits(data.length)) {
      this.post(Buffer.from(data));
      return;
    }
    this.slabs.append(data, (run) => this.outbox.push(run));
    this.outboxBytes += data.length;
    this.schedule();
  }

  /** A copy that crossed the link. */
  post(chunk: Buffer): void {
    const run = this.slabs.takeRun();
    if (run) this.outbox.push(run);
    this.outbox.push(chunk);
    this.outboxBytes += chunk.length;
    this.schedule();
  }

  /** Writes everything waiting now, in one host write. */
  flush(): void {
    const run = this.slabs.takeRun();
    if (run) this.outbox.push(run);
    const chunks = this.outbox;
    const bytes = this.outboxBytes;
    this.outbox = [];
    this.outboxBytes = 0;
    this.backlog -= bytes;
    this.flushedBytes += bytes;
    this.target.write(chunks);
    this.target.flushed();
  }

  /** Drops what waits and lets the slabs go (teardown). */
  release(): void {
    this.outbox = [];
    this.outboxBytes = 0;
    this.slabs.release();
  }

  private schedule(): void {
    if (this.outboxBytes >= Math.min(OUTBOX_FLUSH, this.profile.sendBufferBytes)) this.flush();
    else if (!this.flushPending) {
      this.flushPending = true;
      afterTurn(() => {
        this.flushPending = false;
        this.flush();
        // A socket that sent little since the last such turn is not streaming: it keeps no slab.
        if (this.flushedBytes < OUTBOX_FLUSH) this.slabs.release();
        this.flushedBytes = 0;
      });
    }
  }
}
