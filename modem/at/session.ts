import type { TimerHandle } from '../../core/clock.js';
import { trace } from '../../core/trace.js';
import type { AtHost } from './host.js';
import type { Transport } from '../transport/transport.js';
import type { SessionSettings } from './command.js';
import type { DataModeConsumer, DataModePort, DataModeSession } from './data-mode.js';
import { dispatchLine, formatResponse } from './dispatcher.js';
import { LineFramer, type EchoSink } from './framing.js';

export interface AtSessionOptions {
  maxLineLength?: number;
  /**
   * How long a client may sit inside an unterminated quoted string after pressing Enter before the
   * line is dropped with `ERROR`. A `%CMNG` PEM body arrives within milliseconds; a forgotten quote
   * typed at a terminal otherwise waits forever, as the line never ends.
   */
  quoteTimeoutMs?: number;
  /** Command lines waiting behind the running one; a client that floods past this gets `ERROR`s. */
  maxQueuedLines?: number;
}

/** Where a command line ended in the raw input: the chunk it came in and the byte after it. */
interface LineEnd {
  seq: number;
  offset: number;
}

type Pending = { kind: 'line'; line: string; end: LineEnd } | { kind: 'reject' };

interface DataModeState {
  consumer: DataModeConsumer;
  exiting: boolean;
}

/** Raw input kept while commands are pending, so data mode gets the bytes after its command. */
const MAX_RAW_LOG = 1024 * 1024;
const CR = 0x0d;
const LF = 0x0a;

function nextLineEnd(chunk: Buffer, from: number): number {
  const cr = chunk.indexOf(CR, from);
  const lf = chunk.indexOf(LF, from);
  const first = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
  return first < 0 ? chunk.length : first + 1;
}

/**
 * The modem's AT interface on one transport, as NCS `at_host` presents it on the DK's UART: one command
 * line at a time, responses `<lines>\r\n...OK\r\n`, and URCs written only between responses, never
 * inside one. Backspace and DEL edit the line, NUL is ignored; `ATE1` echoes what a terminal needs to
 * show it (a line end as CRLF). Settings (`+CMEE`, `ATE`) belong to the session, which lives as long
 * as the device: a client that closes and reopens the port finds them as it left them, as on a DK.
 */
export class AtSession {
  private readonly dataModePort: DataModePort = { enterDataMode: (c) => this.enterDataMode(c) };
  readonly settings: SessionSettings = { cmee: 0, echo: false, dataMode: this.dataModePort };
  private readonly framer: LineFramer;
  private readonly queue: Pending[] = [];
  private readonly heldUrcs: string[] = [];
  private running = false;
  private quoteTimer: TimerHandle | undefined;
  private readonly quoteTimeoutMs: number;
  private readonly maxQueuedLines: number;
  private closed = false;
  private rawLog: Array<{ seq: number; chunk: Buffer }> = [];
  private rawLogBytes = 0;
  private nextSeq = 0;
  private current: Pending | undefined;
  private pendingDataMode: DataModeConsumer | undefined;
  private dataMode: DataModeState | undefined;

  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onUrc = (line: string): void => this.urc(line);
  private readonly onClose = (): void => this.detach();
  private readonly onPeerGone = (): void => this.peerGone();

  constructor(
    readonly modem: AtHost,
    readonly transport: Transport,
    options: AtSessionOptions = {},
  ) {
    this.framer = new LineFramer(options.maxLineLength, { lineEditing: true });
    this.quoteTimeoutMs = options.quoteTimeoutMs ?? 2000;
    this.maxQueuedLines = options.maxQueuedLines ?? 256;
    transport.on('data', this.onData);
    transport.on('close', this.onClose);
    transport.on('peer-gone', this.onPeerGone);
    modem.on('urc', this.onUrc);
  }

  /** Stops serving the transport (the transport itself is left open). */
  detach(): void {
    if (this.closed) return;
    this.closed = true;
    this.quoteTimer?.cancel();
    this.queue.length = 0;
    this.heldUrcs.length = 0;
    this.dataMode = undefined;
    this.rawLog = [];
    this.transport.off('data', this.onData);
    this.transport.off('close', this.onClose);
    this.transport.off('peer-gone', this.onPeerGone);
    this.modem.off('urc', this.onUrc);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    const dm = this.dataMode;
    if (dm && !dm.exiting) {
      const used = dm.consumer.data(chunk);
      if (!dm.exiting || used >= chunk.length) return;
      chunk = chunk.subarray(used);
    }
    let echoed = '';
    const echo = this.settings.echo && !this.dataMode ? (text: string) => void (echoed += text) : undefined;
    this.frame(chunk, echo);
    if (echoed !== '') this.transport.write(Buffer.from(echoed, 'latin1'));
    this.armQuoteTimer();
    this.drain();
  }

  /** Frames command lines, noting where each ends in the raw input (for a switch to data mode). */
  private frame(chunk: Buffer, echo: EchoSink | undefined): void {
    const seq = this.logChunk(chunk);
    let start = 0;
    while (start < chunk.length) {
      const end = nextLineEnd(chunk, start);
      for (const item of this.framer.push(
        start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end),
        echo,
      )) {
        if (item.kind === 'overflow') this.enqueue({ kind: 'reject' });
        else if (item.line.trim() !== '')
          this.enqueue({ kind: 'line', line: item.line, end: { seq, offset: end } });
      }
      start = end;
    }
  }

  private logChunk(chunk: Buffer): number {
    if (!this.running && this.queue.length === 0) {
      this.rawLog = [];
      this.rawLogBytes = 0;
    }
    const seq = this.nextSeq++;
    this.rawLog.push({ seq, chunk });
    this.rawLogBytes += chunk.length;
    while (this.rawLogBytes > MAX_RAW_LOG && this.rawLog.length > 1) {
      this.rawLogBytes -= (this.rawLog.shift() as { chunk: Buffer }).chunk.length;
    }
    return seq;
  }

  /** The raw bytes the client sent after the line that ended at `end` (its CRLF's LF skipped). */
  private bytesAfter(end: LineEnd): Buffer {
    const parts: Buffer[] = [];
    let lastByte: number | undefined;
    for (const { seq, chunk } of this.rawLog) {
      if (seq < end.seq) continue;
      if (seq === end.seq) {
        lastByte = end.offset > 0 ? chunk[end.offset - 1] : undefined;
        parts.push(chunk.subarray(end.offset));
      } else parts.push(chunk);
    }
    let rest = Buffer.concat(parts);
    if (lastByte === CR && rest[0] === LF) rest = rest.subarray(1);
    return rest;
  }

  private enterDataMode(consumer: DataModeConsumer): DataModeSession {
    if (!this.running || this.current?.kind !== 'line' || this.dataMode) {
      throw new Error('data mode can only be entered by the command that is running');
    }
    this.pendingDataMode = consumer;
    const session: DataModeSession = {
      exit: (done) => this.exitDataMode(consumer, done),
      get active() {
        return active();
      },
    };
    const active = (): boolean => this.dataMode?.consumer === consumer && !this.dataMode.exiting;
    return session;
  }

  /** Called after the command that asked for data mode wrote its response. */
  private startDataMode(consumer: DataModeConsumer, end: LineEnd): void {
    const rest = this.bytesAfter(end);
    this.queue.length = 0;
    this.framer.reset();
    this.quoteTimer?.cancel();
    this.quoteTimer = undefined;
    this.rawLog = [];
    this.rawLogBytes = 0;
    this.dataMode = { consumer, exiting: false };
    trace('at', { device: this.modem.name, direction: 'data-mode', line: 'enter' });
    if (rest.length > 0) this.receive(rest);
  }

  private exitDataMode(
    consumer: DataModeConsumer,
    done: Promise<readonly string[]> | readonly string[],
  ): void {
    const dm = this.dataMode;
    if (!dm || dm.consumer !== consumer || dm.exiting) return;
    dm.exiting = true;
    void Promise.resolve(done)
      .catch(() => [] as readonly string[])
      .then((lines) => {
        if (this.closed || this.dataMode !== dm) return;
        for (const line of lines) this.transport.write(`${line}\r\n`);
        trace('at', { device: this.modem.name, direction: 'data-mode', line: 'exit' });
        this.dataMode = undefined;
        this.running = false;
        this.flushUrcs();
        this.drain();
      });
  }

  private armQuoteTimer(): void {
    this.quoteTimer?.cancel();
    this.quoteTimer = undefined;
    if (!this.framer.stuckInQuote) return;
    this.quoteTimer = this.modem.clock.setTimeout(() => {
      this.quoteTimer = undefined;
      if (this.framer.stuckInQuote && this.framer.reset()) {
        this.enqueue({ kind: 'reject' });
        this.drain();
      }
    }, this.quoteTimeoutMs);
    this.quoteTimer.unref();
  }

  private enqueue(item: Pending): void {
    if (this.queue.length >= this.maxQueuedLines) item = { kind: 'reject' };
    this.queue.push(item);
  }

  private drain(): void {
    if (this.running || this.closed) return;
    const item = this.queue.shift();
    if (!item) return;
    this.running = true;
    this.current = item;
    void this.run(item).finally(() => {
      this.current = undefined;
      const consumer = this.pendingDataMode;
      this.pendingDataMode = undefined;
      // Data mode holds the session like a running command: no commands, URCs held.
      if (consumer && item.kind === 'line' && !this.closed) return this.startDataMode(consumer, item.end);
      this.running = false;
      this.flushUrcs();
      this.drain();
    });
  }

  private async run(item: Pending): Promise<void> {
    if (item.kind === 'reject') {
      this.transport.write('ERROR\r\n');
      return;
    }
    trace('at', { device: this.modem.name, direction: 'cmd', line: item.line });
    const result = await dispatchLine(this.modem, this.modem.commands, this.settings, item.line);
    if (this.closed) return;
    const bytes = formatResponse(result, this.settings.cmee);
    trace('at', { device: this.modem.name, direction: 'rsp', line: bytes });
    this.transport.write(bytes);
  }

  /**
   * A notification of the application serving this session (the SLM's `#XMQTTEVT`), written like
   * a modem URC: between responses, held while a command runs or data mode lasts.
   */
  unsolicited(line: string): void {
    if (this.closed) return;
    trace('at', { device: this.modem.name, direction: 'urc', line });
    this.urc(line);
  }

  private urc(line: string): void {
    if (this.closed) return;
    if (this.running) {
      this.heldUrcs.push(line);
      return;
    }
    this.transport.write(`${line}\r\n`);
  }

  private flushUrcs(): void {
    if (this.closed) return;
    for (const line of this.heldUrcs.splice(0)) this.transport.write(`${line}\r\n`);
  }

  /** A client left: forget its half-typed line so the next client starts clean. */
  private peerGone(): void {
    this.quoteTimer?.cancel();
    this.framer.reset();
    this.queue.length = 0;
  }
}
