import type { Duplex } from 'node:stream';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/events.js';
import { LineFramer } from './framing.js';

/** The bytes an AT client talks over: a serial port, a TCP socket, or a transport's host end. */
export interface ByteLink {
  write(data: Buffer): void;
  onData(listener: (chunk: Buffer) => void): () => void;
  onClose(listener: () => void): () => void;
}

/** Wraps a Node duplex stream (`SerialPort`, `net.Socket`). */
export function duplexLink(stream: Duplex): ByteLink {
  return {
    write: (data) => {
      if (!stream.destroyed) stream.write(data);
    },
    onData: (listener) => {
      stream.on('data', listener);
      return () => stream.off('data', listener);
    },
    onClose: (listener) => {
      stream.on('close', listener);
      return () => stream.off('close', listener);
    },
  };
}

/** Wraps anything with `write` and `data`/`close` events (a transport's host end). */
export function emitterLink(target: {
  write(data: Buffer): void;
  on(event: 'data', l: (chunk: Buffer) => void): unknown;
  on(event: 'close', l: () => void): unknown;
  off(event: 'data', l: (chunk: Buffer) => void): unknown;
  off(event: 'close', l: () => void): unknown;
}): ByteLink {
  return {
    write: (data) => target.write(data),
    onData: (listener) => {
      target.on('data', listener);
      return () => target.off('data', listener);
    },
    onClose: (listener) => {
      target.on('close', listener);
      return () => target.off('close', listener);
    },
  };
}

export interface AtClientResponse {
  lines: string[];
  /** `OK`, `ERROR`, `+CME ERROR: <n>` or `+CMS ERROR: <n>`. */
  final: string;
  ok: boolean;
}

/**
 * Notification prefixes the modem sends on its own. A line with one of these prefixes that arrives
 * while a command is pending is a URC unless the pending command has the same name.
 */
export const DEFAULT_URC_PREFIXES = [
  '+CEREG',
  '+CSCON',
  '+CGEV',
  '+CEDRXP',
  '+CNEC_EMM',
  '+CNEC_ESM',
  '+CIREPI',
  '+CIREPH',
  '%CESQ',
  '%XTIME',
  '%MDMEV',
  '%XTEMP',
  '%XMODEMSLEEP',
  '%NCELLMEAS',
  '%XSIM',
  '%XPOFWARN',
  '%XSNRSQ',
  '%XVBATLOWLVL',
  '%XT3412',
  '%RAI',
  '#XMQTTEVT',
  '#XMQTTMSG',
  '#XPOLL',
  '#XPING',
  '#XDATAMODE',
  '#XTCPDATA',
  '#XUDPDATA',
];

const FINAL = /^(OK|ERROR|\+CME ERROR: \d+|\+CMS ERROR: \d+)$/;

export type AtClientEvents = {
  urc: [line: string];
  /**
   * A command's final result arrived. Emitted in wire order with `urc`, before the promise of
   * {@link AtClient.send} resolves, so a printer that listens to both keeps the order of the line.
   */
  response: [command: string, response: AtClientResponse];
  close: [];
};

interface PendingCommand {
  command: string;
  name: string;
  lines: string[];
  resolve: (r: AtClientResponse) => void;
  reject: (e: Error) => void;
  timer: TimerHandle;
}

/**
 * A host-side AT client: sends one command line at a time and collects its response, and reports
 * URCs separately. It is what `nrf91sim at` and the test suites use on a serial port or TCP port.
 */
export class AtClient extends TypedEmitter<AtClientEvents> {
  private readonly framer = new LineFramer(1024 * 1024);
  private pending: PendingCommand | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly detach: Array<() => void> = [];
  private isClosed = false;

  constructor(
    private readonly link: ByteLink,
    private readonly options: {
      urcPrefixes?: readonly string[];
      defaultTimeoutMs?: number;
      /** Times each command's wait for its final result. */
      clock: Clock;
    },
  ) {
    super();
    this.detach.push(link.onData((chunk) => this.receive(chunk)));
    this.detach.push(link.onClose(() => this.close()));
  }

  /** Sends `command` (without terminator) and resolves with its response lines and final result. */
  send(command: string, timeoutMs = this.options.defaultTimeoutMs ?? 10_000): Promise<AtClientResponse> {
    const run = (): Promise<AtClientResponse> =>
      new Promise((resolve, reject) => {
        if (this.isClosed) {
          reject(new SimError(ErrorCode.TRANSPORT_CLOSED, 'the AT link is closed'));
          return;
        }
        const timer = this.options.clock.setTimeout(() => {
          this.pending = undefined;
          reject(new SimError(ErrorCode.AT_TIMEOUT, `no final result for ${command} within ${timeoutMs} ms`));
        }, timeoutMs);
        this.pending = { command, name: commandName(command), lines: [], resolve, reject, timer };
        this.link.write(Buffer.from(`${command}\r\n`, 'latin1'));
      });
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Like {@link send}, but rejects unless the final result is `OK`. */
  async command(command: string, timeoutMs?: number): Promise<string[]> {
    const response = await this.send(command, timeoutMs);
    if (!response.ok) throw new SimError(ErrorCode.AT_COMMAND_FAILED, `${command}: ${response.final}`);
    return response.lines;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const d of this.detach.splice(0)) d();
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      pending.timer.cancel();
      pending.reject(
        new SimError(ErrorCode.TRANSPORT_CLOSED, `the AT link closed while ${pending.command} was pending`),
      );
    }
    this.emit('close');
  }

  private receive(chunk: Buffer): void {
    for (const item of this.framer.push(chunk)) {
      if (item.kind !== 'line' || item.line === '') continue;
      this.line(item.line);
    }
  }

  private line(line: string): void {
    const pending = this.pending;
    if (!pending) {
      this.emit('urc', line);
      return;
    }
    if (line === pending.command) return; // echo (ATE1)
    if (FINAL.test(line)) {
      this.pending = undefined;
      pending.timer.cancel();
      const response = { lines: pending.lines, final: line, ok: line === 'OK' };
      this.emit('response', pending.command, response);
      pending.resolve(response);
      return;
    }
    if (this.isUrc(line, pending.name)) {
      this.emit('urc', line);
      return;
    }
    pending.lines.push(line);
  }

  private isUrc(line: string, pendingName: string): boolean {
    const prefixes = this.options.urcPrefixes ?? DEFAULT_URC_PREFIXES;
    const m = /^([+%#][A-Z0-9_]+):/.exec(line);
    if (!m) return false;
    const name = m[1] as string;
    return name !== pendingName && prefixes.includes(name);
  }
}

/** `AT+CEREG=5` → `+CEREG`; `AT` → ``. */
export function commandName(command: string): string {
  const m = /^AT([+%#][A-Za-z0-9_]+)/i.exec(command.trim());
  return m ? (m[1] as string).toUpperCase() : '';
}
