import net from 'node:net';
import type tls from 'node:tls';
import type { SockAddr } from './constants.js';
import type { Run } from './send-slabs.js';
import type { FailurePhase } from './tls-errors.js';

/** Bytes written to the host connection but not yet taken by the kernel before send() blocks. */
const HOST_HIGH_WATER = 256 * 1024;

/** What the established host stream reports to its socket. */
export interface HostStreamEvents {
  data(chunk: Buffer): void;
  end(): void;
  error(err: unknown, phase: FailurePhase): void;
  /** The kernel took written bytes: a blocked sender may go on. */
  drain(): void;
  /** The host stream is gone (after an end, a reset or a destroy). */
  close(): void;
}

/**
 * The host side of a modem stream socket: a real node:net connection, and the node:tls socket on
 * top of it once the modem's TLS runs. Everything the device writes or reads goes through the
 * outer one ({@link stream}); the link model sits in front of it, in the socket.
 */
export class HostConnection {
  private raw: net.Socket | undefined;
  private secure: tls.TLSSocket | undefined;

  /** The stream the device's plaintext goes through: the TLS socket, or the TCP one. */
  get stream(): net.Socket | undefined {
    return this.secure ?? this.raw;
  }

  /** True when the device's bytes are carried by TLS. */
  get isSecure(): boolean {
    return this.secure !== undefined;
  }

  /** The peer does not keep up: bytes past the link but unread by the kernel passed the high-water mark. */
  get congested(): boolean {
    const buffered = (this.secure?.writableLength ?? 0) + (this.raw?.writableLength ?? 0);
    return buffered >= HOST_HIGH_WATER;
  }

  /**
   * Opens the TCP connection. Errors report the phase they happened in: `connect` until the TCP
   * connection is up, then `afterConnect` (the handshake on a TLS socket).
   */
  connect(
    addr: SockAddr,
    afterConnect: FailurePhase,
    onError: (err: unknown, phase: FailurePhase) => void,
    onConnect: (raw: net.Socket) => void,
  ): void {
    const raw = net.connect({ host: addr.address, port: addr.port, noDelay: true });
    this.raw = raw;
    let phase: FailurePhase = 'connect';
    raw.on('error', (err) => onError(err, phase));
    raw.once('connect', () => {
      phase = afterConnect;
      onConnect(raw);
    });
  }

  /** The modem's TLS runs over the TCP connection from now on. */
  secureWith(secure: tls.TLSSocket): void {
    this.secure = secure;
  }

  /** Wires the stream that carries the device's plaintext. */
  attach(events: HostStreamEvents): void {
    const stream = this.stream as net.Socket;
    stream.on('data', (chunk: Buffer) => events.data(chunk));
    stream.on('end', () => events.end());
    stream.on('error', (err) => events.error(err, 'established'));
    stream.on('drain', () => events.drain());
    if (stream !== this.raw) this.raw?.on('drain', () => events.drain());
    stream.on('close', () => events.close());
  }

  /** Stops reading from the host (the device left too much unread, or the NAT mapping is gone). */
  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  /** True while the outer stream can still carry bytes. */
  get writable(): boolean {
    const out = this.stream;
    return out !== undefined && !out.destroyed;
  }

  /** Writes `chunks` in one go: corked, so many chunks cost one syscall. */
  write(chunks: ReadonlyArray<Buffer | Run>): void {
    const out = this.stream;
    if (!out || out.destroyed || chunks.length === 0) return;
    if (chunks.length > 1) out.cork();
    for (const c of chunks) {
      if (Buffer.isBuffer(c)) out.write(c);
      else out.write(c.chunk, c.written);
    }
    if (chunks.length > 1) out.uncork();
  }

  /** Ends the connection after what was written (FIN, and close_notify for TLS); `closed` follows. */
  finish(closed: () => void): void {
    const host = this.stream as net.Socket;
    host.once('close', closed);
    host.destroySoon();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.secure?.destroy();
    this.raw?.destroy();
  }
}
