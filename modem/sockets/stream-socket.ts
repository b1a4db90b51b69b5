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
import { SendSlabs, type Run } from './send-slabs.js';
import { errnoForFailure, type FailurePhase } from './tls-errors.js';
import { cipherIdOf } from './tls-ciphers.js';
import { startModemTls } from './tls-connect.js';

/** Above this many unread bytes the host connection stops reading (the modem's receive window). */
const RECEIVE_WINDOW = 1024 * 1024;
/** After its NAT mapping expired, a connection that sends gets no answer; it gives up after this. */
const TCP_GIVE_UP_MS = 60_000;
/** Bytes written to the host connection but not yet taken by the kernel before send() blocks. */
const HOST_HIGH_WATER = 256 * 1024;
/** Bytes gathered before a host write without waiting for the end of the event-loop turn. */
const OUTBOX_FLUSH = 16 * 1024;
/** Sent bytes are copied into slabs of this size: one allocation for many small sends. */
const SLAB_BYTES = 64 * 1024;
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
  private flow: LinkFlow | undefined;
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private eof = false;
  private hostEnded = false;
  private wakePending = false;
  private flushPending = false;
  private backlog = 0;
  /** Chunks that crossed the link, written to the host connection together on the next turn. */
  private outbox: Array<Buffer | Run> = [];
  private outboxBytes = 0;
  private readonly slabs = new SendSlabs(SLAB_BYTES);
  private flushedBytes = 0;
  private activityAt = -Infinity;
  /** The host connection stopped reading: the device left too much unread. */
  private hostPaused = false;
  private closing = false;
  private ending = false;
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
    // Room in the send buffer: no wait to set up (the hot path of every upload).
    if (
      this.state === 'connected' &&
      this.failure === undefined &&
      this.ctx.dataPath.up &&
      this.hasSendSpace()
    ) {
      return Promise.resolve(this.transmit(data));
    }
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
    // Data already here: answer without setting up a wait.
    if (this.queued > 0 && !waitAll && max > 0 && this.failure === undefined && this.state !== 'closed') {
      return Promise.resolve(this.take(max, peek));
    }
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

  override recvInto(buf: Uint8Array, flags: number): Promise<number> {
    const dontWait = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const peek = (flags & MSG_PEEK) !== 0;
    const waitAll = (flags & MSG_WAITALL) !== 0 && !peek;
    const max = buf.length;
    if (this.queued > 0 && !waitAll && max > 0 && this.failure === undefined && this.state !== 'closed') {
      return Promise.resolve(this.fill(buf, peek));
    }
    return this.waitUntil(
      () => {
        this.checkUsable();
        if (this.state === 'open') throw new SocketError(Errno.ENOTCONN);
        if (max === 0) return 0;
        if (this.queued > 0 && (!waitAll || this.queued >= max || this.eof)) return this.fill(buf, peek);
        if (this.eof) return 0;
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
    this.noteActivity();
    this.ctx.dataPath.countTraffic('up', n);
    if (this.natExpired) {
      // The mapping is gone: the segment never reaches the server and is never acknowledged.
      this.giveUp ??= this.ctx.clock.setTimeout(() => this.fail(Errno.ETIMEDOUT), TCP_GIVE_UP_MS);
      return n;
    }
    this.backlog += n;
    const flow = this.flow as LinkFlow;
    if (flow.passThrough('up')) this.stage(data);
    else {
      const chunk = Buffer.from(data);
      flow.send('up', n, () => this.post(chunk));
    }
    return n;
  }

  /**
   * Traffic keeps the RRC connection up; the network hears of it at most once per millisecond of
   * the modem's clock, not once per chunk.
   */
  private noteActivity(): void {
    const now = this.ctx.clock.monotonic();
    if (now - this.activityAt < 1) return;
    this.activityAt = now;
    this.ctx.dataPath.notifyActivity();
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

  /** True after close() while accepted bytes are still on their way to the peer. */
  get lingering(): boolean {
    return this.closing;
  }

  /** Called once a lingering socket has let go of its host connection (closed, given up, aborted). */
  onReleased: (() => void) | undefined;

  /** Drops a lingering connection at once (power loss, network loss). */
  abort(): void {
    this.teardown();
  }

  /**
   * close() on a connected stream is graceful, as on the modem: what send() accepted still crosses
   * the link and reaches the peer, then the connection ends (FIN, and close_notify for TLS).
   * Received data is discarded. Bytes that cannot leave (partition, expired NAT mapping) are given
   * up after the TCP retransmission limit.
   */
  protected override linger(): void {
    const host = this.secureSocket ?? this.raw;
    const established = this.state === 'connected' || this.state === 'peer-closed';
    if (!established || !host || host.destroyed || this.natExpired) {
      this.teardown();
      return;
    }
    this.closing = true;
    this.connectTimer?.cancel();
    this.queue.length = 0;
    this.queued = 0;
    this.giveUp ??= this.ctx.clock.setTimeout(() => this.teardown(), TCP_GIVE_UP_MS);
    if (this.outboxBytes > 0) this.flushOutbox();
    else if (this.backlog === 0) this.release();
    this.resumeHost();
  }

  /** The last accepted byte is with the host connection: end it, and let go once it is closed. */
  private release(): void {
    const host = (this.secureSocket ?? this.raw) as net.Socket;
    this.ending = true;
    this.flow?.close();
    host.once('close', () => this.teardown());
    host.destroySoon();
  }

  protected teardown(): void {
    const wasClosing = this.closing;
    this.closing = false;
    this.connectTimer?.cancel();
    this.giveUp?.cancel();
    this.flow?.close();
    this.secureSocket?.destroy();
    this.raw?.destroy();
    this.queue.length = 0;
    this.queued = 0;
    this.outbox = [];
    this.outboxBytes = 0;
    this.slabs.release();
    if (wasClosing) this.onReleased?.();
  }

  /** Bytes that crossed the link at once: copied into the send slabs (see {@link SendSlabs}). */
  private stage(data: Uint8Array): void {
    if (!this.slabs.fits(data.length)) {
      this.post(Buffer.from(data));
      return;
    }
    this.slabs.append(data, (run) => this.outbox.push(run));
    this.outboxBytes += data.length;
    this.scheduleFlush();
  }

  private post(chunk: Buffer): void {
    const run = this.slabs.takeRun();
    if (run) this.outbox.push(run);
    this.outbox.push(chunk);
    this.outboxBytes += chunk.length;
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.outboxBytes >= Math.min(OUTBOX_FLUSH, this.ctx.profile.sendBufferBytes)) this.flushOutbox();
    else if (!this.flushPending) {
      this.flushPending = true;
      setImmediate(() => {
        this.flushPending = false;
        this.flushOutbox();
        // A socket that sent little since the last such turn is not streaming: it keeps no slab.
        if (this.flushedBytes < OUTBOX_FLUSH) this.slabs.release();
        this.flushedBytes = 0;
      });
    }
  }

  // One host write per event-loop turn: sends in a loop cost one syscall, not one each.
  private flushOutbox(): void {
    const run = this.slabs.takeRun();
    if (run) this.outbox.push(run);
    const chunks = this.outbox;
    const bytes = this.outboxBytes;
    this.outbox = [];
    this.outboxBytes = 0;
    this.backlog -= bytes;
    this.flushedBytes += bytes;
    const out = this.secureSocket ?? this.raw;
    if (out && !out.destroyed && chunks.length > 0) {
      if (chunks.length > 1) out.cork();
      for (const c of chunks) {
        if (Buffer.isBuffer(c)) out.write(c);
        else out.write(c.chunk, c.written);
      }
      if (chunks.length > 1) out.uncork();
    }
    if (this.closing) {
      if (this.backlog === 0 && !this.ending) this.release();
      return;
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
    // Without MSG_WAITALL one arrived chunk is a complete answer (recv may return less than asked):
    // handing out what arrived as it is costs no copy.
    const n = whole ? Math.min(max, this.queued) : Math.min(max, head.length);
    if (head.length >= n) {
      if (peek) return head.subarray(0, n);
      if (head.length === n) this.queue.shift();
      else this.queue[0] = head.subarray(n);
      this.consumed(n);
      return head.length === n ? head : head.subarray(0, n);
    }
    // Copy exactly n bytes out of the leading chunks.
    const out = Buffer.allocUnsafe(n);
    this.fill(out, peek);
    return out;
  }

  /** Copies what has arrived, up to `buf.length`, into `buf`; a chunk cut in two stays queued in part. */
  private fill(buf: Uint8Array, peek: boolean): number {
    const n = Math.min(buf.length, this.queued);
    let filled = 0;
    let i = 0;
    while (filled < n) {
      const c = this.queue[i] as Buffer;
      const part = Math.min(c.length, n - filled);
      buf.set(part === c.length ? c : c.subarray(0, part), filled);
      filled += part;
      if (!peek && part < c.length) this.queue[i] = c.subarray(part);
      else i++;
    }
    if (!peek) {
      this.queue.splice(0, i);
      this.consumed(n);
    }
    return n;
  }

  private consumed(n: number): void {
    this.queued -= n;
    if (this.hostPaused && this.queued < RECEIVE_WINDOW / 2) this.resumeHost();
  }

  private pauseHost(): void {
    this.hostPaused = true;
    this.readSide()?.pause();
  }

  private resumeHost(): void {
    this.hostPaused = false;
    this.readSide()?.resume();
  }

  private readSide(): net.Socket | undefined {
    return this.secureSocket ?? this.raw;
  }

  private onIncoming(chunk: Buffer): void {
    if (this.natExpired || this.state === 'closed') return;
    // node:tls hands over one record's plaintext per chunk: a larger one than the modem's TLS
    // buffer takes fails the socket (NCS known issue, sdk-nrf #20182).
    const limit = this.ctx.profile.tlsMaxIncomingRecord;
    if (this.secureSocket && limit > 0 && chunk.length > limit) {
      this.fail(Errno.EMSGSIZE);
      return;
    }
    this.ctx.dataPath.countTraffic('down', chunk.length);
    const flow = this.flow as LinkFlow;
    if (flow.passThrough('down')) this.enqueue(chunk);
    else flow.send('down', chunk.length, () => this.enqueue(chunk));
  }

  private enqueue(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    // The window closes when the device does not read; a reader already blocked in recv (or poll)
    // takes this turn's chunks as soon as it wakes.
    if (this.queued > RECEIVE_WINDOW && !this.hostPaused && this.listenerCount('ready') === 0)
      this.pauseHost();
    // Wake readers, and tell the network of the traffic, once per event-loop turn: chunks that
    // arrive together are read together.
    if (!this.wakePending) {
      this.wakePending = true;
      setImmediate(() => {
        this.wakePending = false;
        this.noteActivity();
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
      secure = startModemTls(this.ctx, this.options, addr, raw);
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
      this.cipherSuiteUsed = cipherIdOf(secure.getCipher()?.standardName);
      // A full TLS 1.2 handshake takes two round trips, a resumed one one. The ideal link takes
      // no time, so it needs no byte count (reading the certificates back is not free).
      const { up, down } = this.ctx.link.ideal ? NO_BYTES : handshakeBytes(secure, resumed);
      secure.pause();
      void (this.flow as LinkFlow).exchange(resumed ? 1 : 2, up, down).then(() => {
        if (this.state !== 'connecting') return;
        this.attach(secure);
        secure.resume();
      });
    });
  }
}

const NO_BYTES = { up: 0, down: 0 };
/** Handshake messages besides certificates: hellos, key exchange, verify, Finished, record headers. */
const HANDSHAKE_FIXED_BYTES = 400;
/** A resumed handshake: hellos with the session, ChangeCipherSpec and Finished. */
const RESUMED_HANDSHAKE_BYTES = { up: 250, down: 150 };

/**
 * Bytes a completed handshake put on the link each way, for the link model: the fixed messages
 * plus the certificates each side sent (the peer's chain up to, not including, a self-signed root).
 */
function handshakeBytes(secure: tls.TLSSocket, resumed: boolean): { up: number; down: number } {
  if (resumed) return RESUMED_HANDSHAKE_BYTES;
  const own = secure.getCertificate();
  const up = HANDSHAKE_FIXED_BYTES + (own && 'raw' in own ? own.raw.length : 0);
  let down = HANDSHAKE_FIXED_BYTES;
  let cert: tls.DetailedPeerCertificate | undefined = secure.getPeerCertificate(true);
  const seen = new Set<tls.DetailedPeerCertificate>();
  while (cert?.raw && !seen.has(cert)) {
    seen.add(cert);
    const issuer: tls.DetailedPeerCertificate | undefined = cert.issuerCertificate;
    const selfSigned = issuer === cert || issuer?.fingerprint256 === cert.fingerprint256;
    if (selfSigned && seen.size > 1) break;
    down += cert.raw.length;
    if (selfSigned) break;
    cert = issuer;
  }
  return { up, down };
}
