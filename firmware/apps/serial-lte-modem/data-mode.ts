import type { Clock, TimerHandle } from '../../../core/clock.js';
import type { DataModeConsumer, DataModePort, DataModeSession } from '../../../modem/at/data-mode.js';
import { errnoOf } from '../../../modem/sockets/errno.js';

/** CONFIG_SLM_DATAMODE_TERMINATOR. */
export const DATAMODE_TERMINATOR = Buffer.from('+++', 'latin1');
/** CONFIG_SLM_DATAMODE_BUF_SIZE: data-mode bytes held before they must be sent. */
export const DATAMODE_BUFFER = 4096;

/**
 * Sends one buffer of data-mode payload; rejects with a SocketError on failure. `moreData` is set
 * when the buffer filled before the client paused (a datagram would be cut: SLM fails EOVERFLOW).
 */
export type DataModeSend = (data: Buffer, moreData: boolean) => Promise<void>;

/** Data-mode timing of an SLM build. */
export interface DataModeTiming {
  /**
   * Silence in ms required before and after the terminator `+++` (NCS 1.x
   * `CONFIG_SLM_DATAMODE_SILENCE`); 0, the NCS 2.x behaviour, takes `+++` anywhere in the data.
   */
  datamodeSilenceMs: number;
  /** Quiet time after which buffered bytes are sent (`#XDATACTRL` time limit, 32 ms at 115200 baud). */
  datamodeTimeLimitMs: number;
}

export const DEFAULT_DATAMODE_TIMING: DataModeTiming = { datamodeSilenceMs: 0, datamodeTimeLimitMs: 32 };

/**
 * SLM data mode (slm_at_host.c, NCS 2.x): the client's bytes are buffered and sent when the client
 * pauses for the time limit (`#XDATACTRL`, 32 ms at 115200 baud) or the buffer fills. The
 * terminator `+++`, alone or at the end of the data, ends data mode: what came before it is sent,
 * then `#XDATAMODE: 0` is reported (or the negative errno of a failed send; after a failure the
 * data is dropped until the terminator). With a silence time (NCS 1.x
 * CONFIG_SLM_DATAMODE_SILENCE) the terminator counts only with that much quiet before and after it.
 */
export class SlmDataMode implements DataModeConsumer {
  private buffer: Buffer[] = [];
  private buffered = 0;
  private matched = 0;
  private failed = 0;
  private chain: Promise<void> = Promise.resolve();
  private flushTimer: TimerHandle | undefined;
  private session: DataModeSession | undefined;
  private lastRx: number;
  private candidate: Buffer | undefined;
  private guardTimer: TimerHandle | undefined;
  private readonly silenceMs: number;
  private readonly timeLimitMs: number;

  constructor(
    private readonly clock: Clock,
    timing: DataModeTiming,
    private readonly send: DataModeSend,
    private readonly onExit?: () => void,
  ) {
    this.silenceMs = timing.datamodeSilenceMs;
    this.timeLimitMs = timing.datamodeTimeLimitMs;
    this.lastRx = clock.monotonic();
  }

  /** Asks the session for data mode; throws when the command does not run on a serial line. */
  start(port: DataModePort | undefined): void {
    if (!port) throw new Error('data mode needs a serial session');
    this.session = port.enterDataMode(this);
  }

  data(chunk: Buffer): number {
    this.flushTimer?.cancel();
    const used = this.silenceMs > 0 ? this.guarded(chunk) : this.affixed(chunk);
    if (this.session?.active) this.armFlush();
    return used;
  }

  /** NCS 2.x: `+++` anywhere ends data mode; a partial match is held until more bytes decide. */
  private affixed(chunk: Buffer): number {
    const t = DATAMODE_TERMINATOR;
    let runStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] === t[this.matched]) {
        if (this.matched === 0 && i > runStart) this.add(chunk.subarray(runStart, i));
        this.matched++;
        runStart = i + 1;
        if (this.matched === t.length) {
          this.matched = 0;
          this.finish();
          return i + 1;
        }
      } else if (this.matched > 0) {
        // The held bytes were data after all; look at this byte again as a possible start.
        this.add(t.subarray(0, this.matched));
        this.matched = 0;
        runStart = i;
        i--;
      }
    }
    if (this.matched === 0 && chunk.length > runStart) this.add(chunk.subarray(runStart));
    return chunk.length;
  }

  /** NCS 1.x: the terminator alone, between two periods of silence. */
  private guarded(chunk: Buffer): number {
    const now = this.clock.monotonic();
    const quietBefore = now - this.lastRx >= this.silenceMs;
    this.lastRx = now;
    this.guardTimer?.cancel();
    this.guardTimer = undefined;
    const t = DATAMODE_TERMINATOR;
    const candidate = this.candidate
      ? Buffer.concat([this.candidate, chunk])
      : quietBefore
        ? chunk
        : undefined;
    if (candidate && candidate.length <= t.length && t.subarray(0, candidate.length).equals(candidate)) {
      this.candidate = candidate;
      if (candidate.length === t.length) {
        this.guardTimer = this.clock.setTimeout(() => {
          this.candidate = undefined;
          this.finish();
        }, this.silenceMs);
      }
      return chunk.length;
    }
    if (this.candidate) this.add(this.candidate);
    this.candidate = undefined;
    this.add(chunk);
    return chunk.length;
  }

  private add(data: Buffer): void {
    if (this.failed !== 0) return;
    this.buffer.push(Buffer.from(data));
    this.buffered += data.length;
    while (this.buffered >= DATAMODE_BUFFER) this.flush(true);
  }

  private armFlush(): void {
    this.flushTimer = this.clock.setTimeout(() => {
      // A partial terminator left when the client pauses is data (raw_send_scheduled).
      if (this.matched > 0) {
        this.add(DATAMODE_TERMINATOR.subarray(0, this.matched));
        this.matched = 0;
      }
      this.flush(false);
    }, this.timeLimitMs);
  }

  private flush(more: boolean): void {
    if (this.buffered === 0) return;
    const all = Buffer.concat(this.buffer, this.buffered);
    const data = all.subarray(0, DATAMODE_BUFFER);
    const rest = all.subarray(data.length);
    this.buffer = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    const moreData = more && (this.buffered > 0 || data.length === DATAMODE_BUFFER);
    this.chain = this.chain.then(async () => {
      if (this.failed !== 0) return;
      try {
        await this.send(data, moreData);
      } catch (err) {
        // Failed: drop everything until the terminator (SLM "null mode").
        this.failed = -errnoOf(err);
        this.buffer = [];
        this.buffered = 0;
      }
    });
  }

  private finish(): void {
    this.flushTimer?.cancel();
    this.flush(false);
    const done = this.chain.then(() => {
      this.onExit?.();
      return [`#XDATAMODE: ${this.failed}`];
    });
    this.session?.exit(done);
  }
}
