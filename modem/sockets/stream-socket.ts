import net from 'node:net';
import tls from 'node:tls';
import type { TimerHandle } from '../../core/clock.js';
import type { LinkFlow } from '../../core/link.js';
import {
  AF_INET6,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_WAITALL,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  TLS_HANDSHAKE_STATUS_CACHED,
  TLS_HANDSHAKE_STATUS_FULL,
  type SockAddr,
} from './constants.js';
import { Errno, SocketError } from './errno.js';
import { ModemSocket, type Received } from './modem-socket.js';
import { errnoForFailure, type FailurePhase } from './tls-errors.js';
import { cipherIdOf } from './tls-ciphers.js';
import { startModemTls } from './tls-connect.js';
import { recordOverhead, type TlsRecordTap } from './tls-record-tap.js';

/** Above this many unread bytes the host connection stops reading (the modem's receive window). */
const RECEIVE_WINDOW = 1024 * 1024;
/** After its NAT mapping expired, a connection that sends gets no answer; it gives up after this. */
const TCP_GIVE_UP_MS = 60_000;
/** Bytes written to the host connection but not yet taken by the kernel before send() blocks. */
const HOST_HIGH_WATER = 256 * 1024;
/** Bytes gathered before a host write without waiting for the end of the event-loop turn. */
const OUTBOX_FLUSH = 16 * 1024;
/** Bytes of a TCP three-way handshake each way, for the link model. */
const SYN_BYTES = 60;

/**
 * A SOCK_STREAM modem socket: TCP, or TLS 1.2 done "in the modem" with credentials from its sec
 * tags. The host side is a real node:net / node:tls connection; the device side sees it through
 * the device's {@link LinkFlow} (latency, rate, loss, partition, NAT idle timeout).
 */
export class StreamSocket extends ModemSocket {
  private raw: net.Socket | undefined;
  private secureSocket: tls.TLSSocket | undefined;
  private tap: TlsRecordTap | undefined;
  private flow: LinkFlow | undefined;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private eof = false;
  private hostEnded = false;
  private wakePending = false;
  private flushPending = false;
  private backlog = 0;
  /** Chunks that crossed the link, written to the host connection together on the next turn. */
  private outbox: Buffer[] = [];
  private outboxBytes = 0;
  private natExpired = false;
  private giveUp: TimerHandle | undefined;
  private connectTimer: TimerHandle | undefined;
  private remote: SockAddr | undefined;
  /** TLS_DTLS_HANDSHAKE_STATUS and TLS_CIPHERSUITE_USED after a handshake. */
  handshakeStatus = TLS_HANDSHAKE_STATUS_FULL;
  cipherSuiteUsed = 0;

  get peer(): SockAddr | undefined {
    return this.remote;
  }

  async bind(_addr: SockAddr): Promise<void> {
    this.checkUsable();
    if (this.state !== 'open') throw new SocketError(Errno.EINVAL, 'already connected');
  }

  connect(addr: SockAddr): Promise<void> {
    try {
      this.checkUsable();
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.state === 'connected' || this.state === 'peer-closed') {
      return Promise.reject(new SocketError(Errno.EISCONN));
    }
    if (this.state === 'connecting') return Promise.reject(new SocketError(Errno.EALREADY));
    if (addr.family !== this.family) return Promise.reject(new SocketError(Errno.EAFNOSUPPORT));
    if (!this.ctx.dataPath.up) return Promise.reject(new SocketError(Errno.ENETDOWN, 'no PDN'));
    if (addr.family === AF_INET6 && this.ctx.dataPath.ipv6 === undefined) {
      return Promise.reject(new SocketError(Errno.ENETUNREACH, 'the PDN has no IPv6 address'));
    }
    this.remote = { ...addr };
    this.machine.transition('connecting');
    this.connectTimer = this.ctx.clock.setTimeout(
      () => this.fail(Errno.ETIMEDOUT),
      this.ctx.profile.connectTimeoutMs,
    );
    this.flow = this.ctx.link.flow('stream', () => this.onNatExpired());
    this.openHost(addr);
    const settled = this.waitUntil(
      () => {
        if (this.state === 'connected' || this.state === 'peer-closed') return true;
        if (this.failure !== undefined) throw new SocketError(this.failure);
        return undefined;
      },
      0,
      false,
    ).then(() => undefined);
    if (this.nonblocking) {
      settled.catch(() => undefined);
      return Promise.reject(new SocketError(Errno.EINPROGRESS));
    }
    return settled;
  }

  send(data: Uint8Array, flags: number): Promise<number> {
    const dontWait = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    return this.waitUntil(
      () => {
        this.checkUsable();
        if (this.state === 'peer-closed') throw new SocketError(Errno.EPIPE);
        if (this.state !== 'connected') throw new SocketError(Errno.ENOTCONN);
        if (!this.ctx.dataPath.up) throw new SocketError(Errno.ENETDOWN);
        return this.hasSendSpace() ? this.transmit(data) : undefined;
      },
      this.options.sndTimeoMs,
      dontWait,
    );
  }

  recv(max: number, flags: number): Promise<Received> {
    return this.recvData(max, flags).then((data) => ({ data }));
  }

  override recvData(max: number, flags: number): Promise<Buffer> {
    if (!Number.isInteger(max) || max < 0) return Promise.reject(new SocketError(Errno.EINVAL));
    const dontWait = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const peek = (flags & MSG_PEEK) !== 0;
    const waitAll = (flags & MSG_WAITALL) !== 0 && !peek;
    return this.waitUntil(
      () => {
        this.checkUsable();
        if (this.state === 'open') throw new SocketError(Errno.ENOTCONN);
        if (max === 0) return Buffer.alloc(0);
        if (this.queued > 0 && (!waitAll || this.queued >= max || this.eof))
          return this.take(max, peek, waitAll);
        if (this.eof) return Buffer.alloc(0);
        return undefined;
      },
      this.options.rcvTimeoMs,
      dontWait,
    );
  }

  /** Hands `data` to the link (copied: the caller may reuse its buffer at once). */
  private transmit(data: Uint8Array): number {
    const n = data.length;
    if (n === 0) return 0;
    const chunk = Buffer.from(data);
    this.ctx.dataPath.notifyActivity();
    if (this.natExpired) {
      // The mapping is gone: the segment never reaches the server and is never acknowledged.
      this.giveUp ??= this.ctx.clock.setTimeout(() => this.fail(Errno.ETIMEDOUT), TCP_GIVE_UP_MS);
      return n;
    }
    this.backlog += n;
    const flow = this.flow as LinkFlow;
    if (flow.passThrough('up')) this.post(chunk);
    else flow.send('up', n, () => this.post(chunk));
    return n;
  }

  pollEvents(): number {
    if (this.failure !== undefined) {
      return this.failure === Errno.ECONNRESET ? POLLERR | POLLHUP : POLLERR;
    }
    let events = 0;
    if (this.queued > 0 || this.eof) events |= POLLIN;
    if (this.eof) events |= POLLHUP;
    if (this.state === 'connected' && this.hasSendSpace()) events |= POLLOUT;
    return events;
  }

  protected teardown(): void {
    this.connectTimer?.cancel();
    this.giveUp?.cancel();
    this.flow?.close();
    this.tap?.destroy();
    this.secureSocket?.destroy();
    this.raw?.destroy();
    this.queue.length = 0;
    this.queued = 0;
    this.outbox = [];
    this.outboxBytes = 0;
  }

  private post(chunk: Buffer): void {
    this.outbox.push(chunk);
    this.outboxBytes += chunk.length;
    if (this.outboxBytes >= Math.min(OUTBOX_FLUSH, this.ctx.profile.sendBufferBytes)) this.flushOutbox();
    else if (!this.flushPending) {
      this.flushPending = true;
      setImmediate(() => {
        this.flushPending = false;
        this.flushOutbox();
      });
    }
  }

  // One host write per event-loop turn: sends in a loop cost one syscall, not one each.
  private flushOutbox(): void {
    const chunks = this.outbox;
    const bytes = this.outboxBytes;
    this.outbox = [];
    this.outboxBytes = 0;
    this.backlog -= bytes;
    const out = this.secureSocket ?? this.raw;
    if (out && !out.destroyed && chunks.length > 0) {
      out.cork();
      for (const c of chunks) out.write(c);
      out.uncork();
    }
    this.notify();
  }

  /**
   * Room in the modem's send buffer (bytes not yet across the link), and a peer that keeps up:
   * bytes past the link but unread by the server only stop the sender beyond a high-water mark.
   */
  private hasSendSpace(): boolean {
    const hostBuffered = (this.secureSocket?.writableLength ?? 0) + (this.raw?.writableLength ?? 0);
    return this.backlog < this.ctx.profile.sendBufferBytes && hostBuffered < HOST_HIGH_WATER;
  }

  private take(max: number, peek: boolean, whole = false): Buffer {
    const head = this.queue[0] as Buffer;
    // Without MSG_WAITALL one arrived chunk is a complete answer (recv may return less than asked).
    const n = whole ? Math.min(max, this.queued) : Math.min(max, head.length);
    if (head.length >= n) {
      if (!peek) {
        if (head.length === n) this.queue.shift();
        else this.queue[0] = head.subarray(n);
        this.consumed(n);
      }
      return head.subarray(0, n);
    }
    // Copy exactly n bytes out of the leading chunks; a chunk cut in two stays queued in part.
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.queue[i] as Buffer;
      const part = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, part);
      filled += part;
      if (!peek && part < c.length) this.queue[i] = c.subarray(part);
      else i++;
    }
    if (!peek) {
      this.queue.splice(0, i);
      this.consumed(n);
    }
    return out;
  }

  private consumed(n: number): void {
    this.queued -= n;
    if (this.queued < RECEIVE_WINDOW / 2 && this.readSide()?.isPaused()) this.readSide()?.resume();
  }

  private readSide(): net.Socket | undefined {
    return this.secureSocket ?? this.raw;
  }

  private onIncoming(chunk: Buffer): void {
    if (this.natExpired) return;
    this.ctx.dataPath.notifyActivity();
    const flow = this.flow as LinkFlow;
    if (flow.passThrough('down')) this.enqueue(chunk);
    else flow.send('down', chunk.length, () => this.enqueue(chunk));
  }

  private enqueue(chunk: Buffer): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued > RECEIVE_WINDOW) this.readSide()?.pause();
    // Wake readers once per event-loop turn: chunks that arrive together are read together.
    if (!this.wakePending) {
      this.wakePending = true;
      setImmediate(() => {
        this.wakePending = false;
        this.notify();
      });
    }
  }

  private onEnd(): void {
    this.hostEnded = true;
    if (this.natExpired) return;
    (this.flow as LinkFlow).send('down', 0, () => {
      this.eof = true;
      if (this.state === 'connected') this.machine.transition('peer-closed');
      else this.notify();
    });
  }

  private onHostError(err: unknown, phase: FailurePhase): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.fail(errnoForFailure(err, phase));
  }

  private onNatExpired(): void {
    this.natExpired = true;
    this.readSide()?.pause();
  }

  private openHost(addr: SockAddr): void {
    const raw = net.connect({ host: addr.address, port: addr.port, noDelay: true });
    this.raw = raw;
    let phase: FailurePhase = 'connect';
    raw.on('error', (err) => this.onHostError(err, phase));
    raw.once('connect', () => {
      phase = this.secure ? 'handshake' : 'established';
      void (this.flow as LinkFlow).exchange(1, SYN_BYTES, SYN_BYTES).then(() => {
        if (this.state !== 'connecting') return;
        if (this.secure) this.startTls(addr, raw);
        else this.attach(raw);
      });
    });
  }

  /** Wires the host stream that carries the device's plaintext and marks the socket connected. */
  private attach(stream: net.Socket): void {
    stream.on('data', (chunk: Buffer) => this.onIncoming(chunk));
    stream.on('end', () => this.onEnd());
    stream.on('error', (err) => this.onHostError(err, 'established'));
    stream.on('drain', () => this.notify());
    if (stream !== this.raw) this.raw?.on('drain', () => this.notify());
    stream.on('close', () => {
      if (!this.hostEnded && this.state === 'connected') this.fail(Errno.ECONNRESET);
    });
    this.connectTimer?.cancel();
    this.machine.transition('connected');
  }

  private startTls(addr: SockAddr, raw: net.Socket): void {
    let secure: tls.TLSSocket;
    try {
      ({ secure, tap: this.tap } = startModemTls(this.ctx, this.options, addr, raw, () =>
        this.fail(Errno.EMSGSIZE),
      ));
    } catch (err) {
      this.fail(err instanceof SocketError ? err.errno : Errno.EINVAL);
      return;
    }
    this.secureSocket = secure;
    secure.on('error', (err) =>
      this.onHostError(err, this.state === 'connecting' ? 'handshake' : 'established'),
    );
    secure.once('secureConnect', () => {
      const resumed = secure.isSessionReused();
      this.handshakeStatus = resumed ? TLS_HANDSHAKE_STATUS_CACHED : TLS_HANDSHAKE_STATUS_FULL;
      const cipher = secure.getCipher();
      this.cipherSuiteUsed = cipherIdOf(cipher?.standardName);
      this.tap?.setOverhead(recordOverhead(cipher?.standardName, secure.getProtocol()));
      // Without the tap, typical sizes: a full handshake carries the server's certificate chain.
      const up = this.tap?.bytesOut ?? (resumed ? 300 : 1200);
      const down = this.tap?.bytesIn ?? (resumed ? 300 : 3000);
      // A full TLS 1.2 handshake takes two round trips, a resumed one one.
      secure.pause();
      void (this.flow as LinkFlow).exchange(resumed ? 1 : 2, up, down).then(() => {
        if (this.state !== 'connecting') return;
        this.attach(secure);
        secure.resume();
      });
    });
  }
}
