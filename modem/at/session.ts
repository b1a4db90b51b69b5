import type { TimerHandle } from '../../core/clock.js';
import { trace } from '../../core/trace.js';
import type { Modem } from '../modem.js';
import type { Transport } from '../transport/transport.js';
import type { SessionSettings } from './command.js';
import { dispatchLine, formatResponse } from './dispatcher.js';
import { LineFramer } from './framing.js';

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

type Pending = { kind: 'line'; line: string } | { kind: 'reject' };

/**
 * The modem's AT interface on one transport, as NCS `at_host` presents it on the DK's UART: one command
 * line at a time, responses `<lines>\r\n...OK\r\n`, and URCs written only between responses, never
 * inside one. Settings (`+CMEE`, `ATE`) belong to the session.
 */
export class AtSession {
  readonly settings: SessionSettings = { cmee: 0, echo: false };
  private readonly framer: LineFramer;
  private readonly queue: Pending[] = [];
  private readonly heldUrcs: string[] = [];
  private running = false;
  private quoteTimer: TimerHandle | undefined;
  private readonly quoteTimeoutMs: number;
  private readonly maxQueuedLines: number;
  private closed = false;

  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onUrc = (line: string): void => this.urc(line);
  private readonly onClose = (): void => this.detach();
  private readonly onPeerGone = (): void => this.peerGone();

  constructor(
    readonly modem: Modem,
    readonly transport: Transport,
    options: AtSessionOptions = {},
  ) {
    this.framer = new LineFramer(options.maxLineLength);
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
    this.transport.off('data', this.onData);
    this.transport.off('close', this.onClose);
    this.transport.off('peer-gone', this.onPeerGone);
    this.modem.off('urc', this.onUrc);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    if (this.settings.echo) this.transport.write(chunk);
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'overflow') this.enqueue({ kind: 'reject' });
      else if (item.line.trim() !== '') this.enqueue({ kind: 'line', line: item.line });
    }
    this.armQuoteTimer();
    this.drain();
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
    void this.run(item).finally(() => {
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
