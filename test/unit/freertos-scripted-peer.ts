import { VirtualClock } from '../../core/clock.js';
import type { AgentModem } from '../../cloud-libs/freertos/index.js';
import { Errno, SocketError } from '../../modem/sockets/index.js';

/** One packet the agent sent, split by its fixed header (independently of the agent's codec). */
export interface SentPacket {
  type: number;
  flags: number;
  body: Buffer;
  bytes: Buffer;
}

export function splitPackets(data: Buffer): SentPacket[] {
  const out: SentPacket[] = [];
  let off = 0;
  while (off < data.length) {
    let len = 0;
    let mul = 1;
    let i = off + 1;
    for (;;) {
      const b = data[i++] ?? 0;
      len += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) break;
    }
    const end = i + len;
    out.push({
      type: (data[off] ?? 0) >> 4,
      flags: (data[off] ?? 0) & 15,
      body: data.subarray(i, end),
      bytes: data.subarray(off, end),
    });
    off = end;
  }
  return out;
}

/**
 * A broker the test plays by hand: the agent's sockets end at `peer`, which records what the agent
 * writes and delivers what the test pushes. `connect()` waits for {@link ScriptedPeer.accept}
 * when `holdConnect` is set. Time is a {@link VirtualClock}.
 */
export class ScriptedPeer {
  readonly clock = new VirtualClock();
  holdConnect = false;
  private written = Buffer.alloc(0);
  private inbox: Buffer[] = [];
  private reader: ((b: Buffer) => void) | undefined;
  private failReader: ((e: Error) => void) | undefined;
  private pendingConnect: (() => void) | undefined;
  private open = new Set<number>();
  private nextFd = 0;
  connects = 0;

  readonly modem: AgentModem = {
    clock: this.clock,
    name: 'scripted',
    sockets: {
      getaddrinfo: async () => [
        { family: 1, socktype: 1, protocol: 6, addr: { family: 1, address: '10.0.0.1', port: 0 } },
      ],
      socket: () => {
        const fd = this.nextFd++;
        this.open.add(fd);
        return fd;
      },
      setsockopt: () => undefined,
      connect: async () => {
        this.connects++;
        if (this.holdConnect) await new Promise<void>((r) => (this.pendingConnect = r));
        this.written = Buffer.alloc(0);
        this.inbox = [];
      },
      send: async (_fd, data) => {
        const before = this.sent().length;
        this.written = Buffer.concat([this.written, Buffer.from(data)]);
        if (this.autoAck) for (const p of this.sent().slice(before)) setImmediate(() => this.answer(p));
        return data.length;
      },
      recv: (fd) => {
        if (!this.open.has(fd)) return Promise.reject(new SocketError(Errno.EBADF));
        const next = this.inbox.shift();
        if (next) return Promise.resolve(next);
        return new Promise<Buffer>((resolve, reject) => {
          this.reader = resolve;
          this.failReader = reject;
        });
      },
      close: (fd) => {
        this.open.delete(fd);
        this.failReader?.(new SocketError(Errno.EBADF));
        this.reader = undefined;
        this.failReader = undefined;
      },
      isOpen: (fd) => this.open.has(fd),
    } as AgentModem['sockets'],
  };

  /**
   * Acknowledges CONNECT, SUBSCRIBE, UNSUBSCRIBE and QoS 1 PUBLISH as a broker would, and hands
   * each PUBLISH to `onPublish` (topic, payload) for the test to answer.
   */
  autoAck = false;
  onPublish: (topic: string, payload: string) => void = () => undefined;

  private answer(p: SentPacket): void {
    if (p.type === 1) this.push(CONNACK_OK);
    if (p.type === 8) this.push([0x90, 0x03, ...p.body.subarray(0, 2), 0x01]);
    if (p.type === 10) this.push([0xb0, 0x02, ...p.body.subarray(0, 2)]);
    if (p.type !== 3) return;
    const topicLength = p.body.readUInt16BE(0);
    const qos = (p.flags >> 1) & 3;
    if (qos === 1) this.push([0x40, 0x02, ...p.body.subarray(2 + topicLength, 4 + topicLength)]);
    const payload = p.body.subarray(2 + topicLength + (qos ? 2 : 0)).toString();
    this.onPublish(p.body.subarray(2, 2 + topicLength).toString(), payload);
  }

  /** Lets a held connect() complete. */
  accept(): void {
    this.pendingConnect?.();
    this.pendingConnect = undefined;
  }

  /** Everything the agent wrote on the current connection, as packets. */
  sent(): SentPacket[] {
    return splitPackets(this.written);
  }

  sentTypes(): number[] {
    return this.sent().map((p) => p.type);
  }

  /** Bytes from the broker to the agent. */
  push(bytes: Buffer | number[]): void {
    const b = Buffer.from(bytes);
    const r = this.reader;
    this.reader = undefined;
    if (r) r(b);
    else this.inbox.push(b);
  }

  /** The broker closes the stream. */
  end(): void {
    this.push(Buffer.alloc(0));
  }

  get socketsOpen(): number {
    return this.open.size;
  }

  /** Lets promise chains woken by I/O run. */
  async settle(): Promise<void> {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  }
}

export const CONNACK_OK = [0x20, 0x02, 0x00, 0x00];

/** A broker PUBLISH. */
export function brokerPublish(topic: string, payload: string, qos: 0 | 1 | 2 = 0, id = 7): Buffer {
  const t = Buffer.from(topic);
  const parts = [Buffer.from([t.length >> 8, t.length & 255]), t];
  if (qos > 0) parts.push(Buffer.from([id >> 8, id & 255]));
  parts.push(Buffer.from(payload));
  const body = Buffer.concat(parts);
  const len: number[] = [];
  let n = body.length;
  do {
    len.push((n % 128) | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x30 | (qos << 1), ...len]), body]);
}

/** The packet identifier of a sent SUBSCRIBE, UNSUBSCRIBE or QoS 1 PUBLISH. */
export function sentId(p: SentPacket): number {
  if (p.type !== 3) return p.body.readUInt16BE(0);
  const topicLength = p.body.readUInt16BE(0);
  return p.body.readUInt16BE(2 + topicLength);
}
