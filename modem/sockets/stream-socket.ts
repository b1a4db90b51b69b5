import type net from 'node:net';
import type { TimerHandle } from '../../core/clock.js';
import {
  AF_INET6,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_WAITALL,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLOUT,
  TLS_HANDSHAKE_STATUS_FULL,
  type AddressFamily,
  type SockAddr,
  type SocketType,
} from './constants.js';
import { Errno, SocketError } from './errno.js';
import { GracefulClose } from './graceful-close.js';
import { HostConnection, type HostStreamEvents } from './host-connection.js';
import { ModemSocket, type Received } from './modem-socket.js';
import { NatMapping } from './nat-mapping.js';
import { ReceiveWindow } from './receive-window.js';
import { SendBatch } from './send-batch.js';
import type { SocketContext } from './socket-context.js';
import { StreamLink } from './stream-link.js';
import { errnoForFailure, type FailurePhase } from './tls-errors.js';
import { runTlsHandshake } from './tls-connect.js';
import { TlsSession } from './tls-session.js';

/**
 * A SOCK_STREAM modem socket: TCP, or TLS 1.2 done "in the modem" with credentials from its sec
 * tags. The host side is a real node:net / node:tls connection ({@link HostConnection}); the device
 * side sees it through the device's link ({@link StreamLink}). Sends are batched into host writes
 * ({@link SendBatch}), what arrives waits in a {@link ReceiveWindow}, close() lingers
 * ({@link GracefulClose}) and the NAT mapping can expire ({@link NatMapping}).
 */
export class StreamSocket extends ModemSocket {
  /** The TLS session of a TLS socket (IPPROTO_TLS_1_2). */
  readonly tls: TlsSession | undefined;
  private readonly host = new HostConnection();
  private link: StreamLink | undefined;
  private readonly received: ReceiveWindow;
  private readonly sending: SendBatch;
  private readonly graceful: GracefulClose;
  private readonly nat: NatMapping;
  private eof = false;
  private hostEnded = false;
  private activityAt = -Infinity;
  private connectTimer: TimerHandle | undefined;
  private remote: SockAddr | undefined;
  /** The host-side error code the connection failed with, for the traces. */
  private hostCause: string | undefined;
  private readonly hostEvents: HostStreamEvents = {
    data: (chunk) => this.onIncoming(chunk),
    end: () => this.onEnd(),
    error: (err, phase) => this.onHostError(err, phase),
    drain: () => this.notify(),
    close: () => {
      if (!this.hostEnded && this.state === 'connected') this.fail(Errno.ECONNRESET);
    },
  };
  private readonly enqueue = (chunk: Buffer): void => {
    if (this.state === 'closed') return;
    this.received.push(chunk, this.listenerCount('ready') > 0);
  };

  constructor(fd: number, family: AddressFamily, type: SocketType, protocol: number, ctx: SocketContext) {
    super(fd, family, type, protocol, ctx);
    this.tls = this.secure ? new TlsSession(fd, ctx.owner) : undefined;
    this.received = new ReceiveWindow(this.host, () => {
      // Tell the network of the traffic once per turn too, not once per chunk.
      this.noteActivity();
      this.notify();
    });
    this.sending = new SendBatch(ctx.profile, {
      write: (chunks) => this.host.write(chunks),
      flushed: () => this.onFlushed(),
    });
    this.graceful = new GracefulClose(ctx.clock, () => this.teardown());
    this.nat = new NatMapping(ctx.clock, () => this.fail(Errno.ETIMEDOUT));
  }

  get peer(): SockAddr | undefined {
    return this.remote;
  }

  /** TLS_DTLS_HANDSHAKE_STATUS after a handshake. */
  get handshakeStatus(): number {
    return this.tls?.handshakeStatus ?? TLS_HANDSHAKE_STATUS_FULL;
  }

  /** TLS_CIPHERSUITE_USED after a handshake. */
  get cipherSuiteUsed(): number {
    return this.tls?.cipherSuiteUsed ?? 0;
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
    const link = new StreamLink(this.ctx.link, () => this.onNatExpired());
    this.link = link;
    this.host.connect(
      addr,
      this.secure ? 'handshake' : 'established',
      (err, phase) => this.onHostError(err, phase),
      (raw) =>
        void link.tcpHandshake().then(() => {
          if (this.state !== 'connecting') return;
          if (this.secure) this.startTls(addr, raw);
          else this.attach();
        }),
    );
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
    const r = this.received;
    // Data already here: answer without setting up a wait.
    if (r.queued > 0 && !waitAll && max > 0 && this.failure === undefined && this.state !== 'closed') {
      return Promise.resolve(r.take(max, peek));
    }
    return this.waitUntil(
      () => {
        this.checkUsable();
        if (this.state === 'open') throw new SocketError(Errno.ENOTCONN);
        if (max === 0) return Buffer.alloc(0);
        if (r.queued > 0 && (!waitAll || r.queued >= max || this.eof)) return r.take(max, peek, waitAll);
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
    const r = this.received;
    if (r.queued > 0 && !waitAll && max > 0 && this.failure === undefined && this.state !== 'closed') {
      return Promise.resolve(r.fill(buf, peek));
    }
    return this.waitUntil(
      () => {
        this.checkUsable();
        if (this.state === 'open') throw new SocketError(Errno.ENOTCONN);
        if (max === 0) return 0;
        if (r.queued > 0 && (!waitAll || r.queued >= max || this.eof)) return r.fill(buf, peek);
        if (this.eof) return 0;
        return undefined;
      },
      this.options.rcvTimeoMs,
      dontWait,
    );
  }

  pollEvents(): number {
    if (this.failure !== undefined) {
      return this.failure === Errno.ECONNRESET ? POLLERR | POLLHUP : POLLERR;
    }
    let events = 0;
    if (this.received.queued > 0 || this.eof) events |= POLLIN;
    if (this.eof) events |= POLLHUP;
    if (this.state === 'connected' && this.hasSendSpace()) events |= POLLOUT;
    return events;
  }

  /** True after close() while accepted bytes are still on their way to the peer. */
  override get lingering(): boolean {
    return this.graceful.lingering;
  }

  /** Called once a lingering socket has let go of its host connection (closed, given up, aborted). */
  onReleased: (() => void) | undefined;

  /** Drops a lingering connection at once (power loss, network loss). */
  abort(): void {
    this.teardown();
  }

  /** Hands `data` to the link (copied: the caller may reuse its buffer at once). */
  private transmit(data: Uint8Array): number {
    const n = data.length;
    if (n === 0) return 0;
    this.noteActivity();
    if (this.nat.expired) {
      // The mapping is gone: the segment never reaches the server and is never acknowledged.
      this.nat.sentUnanswered();
      return n;
    }
    this.sending.accept(n);
    (this.link as StreamLink).up(data, this.sending);
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

  /**
   * Room in the modem's send buffer (bytes not yet across the link), and a peer that keeps up:
   * bytes past the link but unread by the server only stop the sender beyond a high-water mark.
   */
  private hasSendSpace(): boolean {
    return this.sending.backlog < this.ctx.profile.sendBufferBytes && !this.host.congested;
  }

  private onFlushed(): void {
    if (this.graceful.lingering) {
      if (this.sending.backlog === 0 && !this.graceful.ended) this.release();
      return;
    }
    this.notify();
  }

  /**
   * close() on a connected stream is graceful, as on the modem: what send() accepted still crosses
   * the link and reaches the peer, then the connection ends (FIN, and close_notify for TLS).
   * Received data is discarded. Bytes that cannot leave (partition, expired NAT mapping) are given
   * up after the TCP retransmission limit.
   */
  protected override linger(): void {
    const established = this.state === 'connected' || this.state === 'peer-closed';
    if (!established || !this.host.writable || this.nat.expired) {
      this.teardown();
      return;
    }
    this.graceful.begin();
    this.connectTimer?.cancel();
    this.received.clear();
    if (this.sending.waiting > 0) this.sending.flush();
    else if (this.sending.backlog === 0) this.release();
    this.received.reopen();
  }

  /** The last accepted byte is with the host connection: end it, and let go once it is closed. */
  private release(): void {
    this.graceful.end(() => {
      this.link?.close();
      if (this.tls?.state === 'established') this.tls.closeNotify();
      this.host.finish(() => this.teardown());
    });
  }

  protected teardown(): void {
    const wasLingering = this.graceful.settle();
    this.connectTimer?.cancel();
    this.nat.cancel();
    this.link?.close();
    this.host.destroy();
    this.received.clear();
    this.sending.release();
    this.tls?.end(this.failure, this.hostCause);
    if (wasLingering) this.onReleased?.();
  }

  protected override failureCause(): string | undefined {
    return this.hostCause;
  }

  private onIncoming(chunk: Buffer): void {
    if (this.nat.expired || this.state === 'closed') return;
    // node:tls hands over one record's plaintext per chunk: a larger one than the modem's TLS
    // buffer takes fails the socket (NCS known issue, sdk-nrf #20182).
    const limit = this.ctx.profile.tlsMaxIncomingRecord;
    if (this.host.isSecure && limit > 0 && chunk.length > limit) {
      this.fail(Errno.EMSGSIZE);
      return;
    }
    (this.link as StreamLink).down(chunk, this.enqueue);
  }

  private onEnd(): void {
    this.hostEnded = true;
    if (this.nat.expired) return;
    (this.link as StreamLink).downEnd(() => {
      this.eof = true;
      if (this.state === 'connected') this.machine.transition('peer-closed');
      else this.notify();
    });
  }

  private onHostError(err: unknown, phase: FailurePhase): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    const code = (err as { code?: unknown } | undefined)?.code;
    this.hostCause = typeof code === 'string' ? code : undefined;
    this.fail(errnoForFailure(err, phase));
  }

  private onNatExpired(): void {
    this.nat.expire();
    this.host.pause();
  }

  /** Wires the host stream that carries the device's plaintext and marks the socket connected. */
  private attach(): void {
    this.host.attach(this.hostEvents);
    this.connectTimer?.cancel();
    this.tls?.established();
    this.machine.transition('connected');
  }

  private startTls(addr: SockAddr, raw: net.Socket): void {
    try {
      const secure = runTlsHandshake(this.ctx, this.options, this.tls as TlsSession, addr, raw, {
        error: (err, phase) => this.onHostError(err, phase),
        negotiated: (s, resumed) =>
          void (this.link as StreamLink).tlsHandshake(s, resumed).then(() => {
            if (this.state !== 'connecting') return;
            this.attach();
            s.resume();
          }),
      });
      this.host.secureWith(secure);
    } catch (err) {
      this.fail(err instanceof SocketError ? err.errno : Errno.EINVAL);
    }
  }
}
