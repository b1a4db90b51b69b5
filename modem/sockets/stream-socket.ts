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
  TLS_PEER_VERIFY_REQUIRED,
  type SockAddr,
} from './constants.js';
import { Errno, SocketError } from './errno.js';
import { ModemSocket, type Received } from './modem-socket.js';
import { TlsSessionCache } from './socket-context.js';
import { cipherIdOf, cipherString } from './tls-ciphers.js';
import { collectMaterial } from './tls-credentials.js';
import { errnoForFailure, type FailurePhase } from './tls-errors.js';
import { recordOverhead, TlsRecordTap } from './tls-record-tap.js';

/** Above this many unread bytes the host connection stops reading (the modem's receive window). */
const RECEIVE_WINDOW = 64 * 1024;
/** After its NAT mapping expired, a connection that sends gets no answer; it gives up after this. */
const TCP_GIVE_UP_MS = 60_000;
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
  private backlog = 0;
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

  async send(data: Uint8Array, flags: number): Promise<number> {
    const dontWait = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const chunk = Buffer.from(data);
    await this.waitUntil(
      () => {
        this.checkUsable();
        if (this.state === 'peer-closed') throw new SocketError(Errno.EPIPE);
        if (this.state !== 'connected') throw new SocketError(Errno.ENOTCONN);
        if (!this.ctx.dataPath.up) throw new SocketError(Errno.ENETDOWN);
        return this.hasSendSpace() ? true : undefined;
      },
      this.options.sndTimeoMs,
      dontWait,
    );
    if (chunk.length === 0) return 0;
    this.ctx.dataPath.notifyActivity();
    if (this.natExpired) {
      // The mapping is gone: the segment never reaches the server and is never acknowledged.
      this.giveUp ??= this.ctx.clock.setTimeout(() => this.fail(Errno.ETIMEDOUT), TCP_GIVE_UP_MS);
      return chunk.length;
    }
    this.backlog += chunk.length;
    (this.flow as LinkFlow).send('up', chunk.length, () => {
      this.backlog -= chunk.length;
      const out = this.secureSocket ?? this.raw;
      if (out && !out.destroyed) out.write(chunk);
      this.notify();
    });
    return chunk.length;
  }

  async recv(max: number, flags: number): Promise<Received> {
    if (!Number.isInteger(max) || max < 0) throw new SocketError(Errno.EINVAL);
    const dontWait = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const peek = (flags & MSG_PEEK) !== 0;
    const waitAll = (flags & MSG_WAITALL) !== 0 && !peek;
    const data = await this.waitUntil(
      () => {
        this.checkUsable();
        if (this.state === 'open') throw new SocketError(Errno.ENOTCONN);
        if (max === 0) return Buffer.alloc(0);
        if (this.queued > 0 && (!waitAll || this.queued >= max || this.eof)) return this.take(max, peek);
        if (this.eof) return Buffer.alloc(0);
        return undefined;
      },
      this.options.rcvTimeoMs,
      dontWait,
    );
    return { data };
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
  }

  private hasSendSpace(): boolean {
    const out = this.secureSocket ?? this.raw;
    const hostBuffered = out ? out.writableLength : 0;
    return this.backlog + hostBuffered < this.ctx.profile.sendBufferBytes;
  }

  private take(max: number, peek: boolean): Buffer {
    const n = Math.min(max, this.queued);
    const head = this.queue[0] as Buffer;
    let out: Buffer;
    if (head.length >= n) {
      out = head.subarray(0, n);
      if (!peek) {
        if (head.length === n) this.queue.shift();
        else this.queue[0] = head.subarray(n);
      }
    } else {
      out = Buffer.concat(this.queue, this.queued).subarray(0, n);
      if (!peek) {
        const rest = Buffer.concat(this.queue, this.queued).subarray(n);
        this.queue.length = 0;
        if (rest.length > 0) this.queue.push(rest);
      }
    }
    if (!peek) {
      this.queued -= n;
      if (this.queued < RECEIVE_WINDOW / 2 && this.readSide()?.isPaused()) this.readSide()?.resume();
    }
    return out;
  }

  private readSide(): net.Socket | undefined {
    return this.secureSocket ?? this.raw;
  }

  private onIncoming(chunk: Buffer): void {
    if (this.natExpired) return;
    this.ctx.dataPath.notifyActivity();
    (this.flow as LinkFlow).send('down', chunk.length, () => {
      this.queue.push(chunk);
      this.queued += chunk.length;
      if (this.queued > RECEIVE_WINDOW) this.readSide()?.pause();
      this.notify();
    });
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
    stream.on('close', () => {
      if (!this.hostEnded && this.state === 'connected') this.fail(Errno.ECONNRESET);
    });
    this.connectTimer?.cancel();
    this.machine.transition('connected');
  }

  private startTls(addr: SockAddr, raw: net.Socket): void {
    const o = this.options;
    const profile = this.ctx.profile;
    const material = collectMaterial(this.ctx.credentials, o.secTags);
    let context: tls.SecureContext;
    try {
      context = this.ctx.secureContexts.get(material, cipherString(o.cipherList), profile.tlsMaxVersion);
    } catch (err) {
      this.fail(err instanceof SocketError ? err.errno : Errno.EINVAL);
      return;
    }
    if (o.purgeRequested) {
      this.ctx.sessions.purge(o.secTags);
      o.purgeRequested = false;
    }
    const cacheKey = TlsSessionCache.key(o.secTags, o.hostname, addr.address, addr.port);
    const session = o.sessionCache ? this.ctx.sessions.get(cacheKey) : undefined;
    if (profile.tlsMaxIncomingRecord > 0) {
      this.tap = new TlsRecordTap(raw, profile.tlsMaxIncomingRecord, () => this.fail(Errno.EMSGSIZE));
    }
    const hostname = o.hostname;
    const secure = tls.connect({
      socket: this.tap ?? raw,
      secureContext: context,
      ...(hostname && !net.isIP(hostname) ? { servername: hostname } : {}),
      ...(session ? { session } : {}),
      rejectUnauthorized: o.peerVerify === TLS_PEER_VERIFY_REQUIRED,
      // Without TLS_HOSTNAME the modem does not check the name (nrf_modem NRF_SO_SEC_HOSTNAME).
      checkServerIdentity: (_host, cert) => (hostname ? tls.checkServerIdentity(hostname, cert) : undefined),
      ...(material.psk && material.pskIdentity
        ? { pskCallback: () => ({ psk: material.psk as Buffer, identity: material.pskIdentity as string }) }
        : {}),
    });
    this.secureSocket = secure;
    secure.on('error', (err) =>
      this.onHostError(err, this.state === 'connecting' ? 'handshake' : 'established'),
    );
    if (o.sessionCache) secure.on('session', (s: Buffer) => this.ctx.sessions.set(cacheKey, s));
    secure.once('secureConnect', () => {
      const resumed = secure.isSessionReused();
      this.handshakeStatus = resumed ? TLS_HANDSHAKE_STATUS_CACHED : TLS_HANDSHAKE_STATUS_FULL;
      const cipher = secure.getCipher();
      this.cipherSuiteUsed = cipherIdOf(cipher?.standardName);
      this.tap?.setOverhead(recordOverhead(cipher?.standardName, secure.getProtocol()));
      const up = this.tap?.bytesOut ?? 0;
      const down = this.tap?.bytesIn ?? 0;
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
