import { trace } from '../../core/trace.js';
import type { DataPathDownReason } from '../network/data-path.js';
import {
  AF_INET,
  AF_INET6,
  F_GETFL,
  F_SETFL,
  IPPROTO_DTLS_1_2,
  IPPROTO_IP,
  IPPROTO_TCP,
  IPPROTO_TLS_1_2,
  IPPROTO_UDP,
  MAX_SOCKETS,
  O_NONBLOCK,
  SO_ERROR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_TLS,
  TLS_CIPHERSUITE_USED,
  TLS_DTLS_HANDSHAKE_STATUS,
  type AddressFamily,
  type PollFd,
  type SockAddr,
  type SockoptValue,
} from './constants.js';
import { DgramSocket } from './dgram-socket.js';
import type { AddrInfo, AddrInfoHints, DnsResolver } from './dns.js';
import { Errno, SocketError } from './errno.js';
import type { ModemSocket, SocketState } from './modem-socket.js';
import { pollSockets } from './poll.js';
import type { SocketContext } from './socket-context.js';
import { StreamSocket } from './stream-socket.js';

/** One line of {@link ModemSockets.list}: what `AT#XSOCKETSELECT?`-style listings need. */
export interface SocketInfo {
  fd: number;
  family: AddressFamily;
  type: number;
  protocol: number;
  state: SocketState;
  secTags: number[];
  peer?: SockAddr;
}

/**
 * The modem's socket API for code running on the device (firmware apps, NCS library ports), in the
 * shape of nrf_modem / Zephyr offloaded sockets: small integer descriptors, at most eight open,
 * Zephyr errno values. Calls that block in C return promises; a failure rejects with
 * {@link SocketError} (`errno`). Sockets need the data path (registered, default PDN active); when
 * it goes down every connected socket fails with ENETDOWN, as nrf_modem reports a lost PDN.
 */
export class ModemSockets {
  private readonly table = new Map<number, ModemSocket>();
  /** Closed streams still delivering what send() accepted. */
  private readonly lingering = new Set<StreamSocket>();
  private isShutdown = false;

  constructor(
    private readonly ctx: SocketContext,
    readonly dns: DnsResolver,
  ) {
    ctx.dataPath.on('change', (up, reason) => {
      if (!up) this.networkDown(reason);
    });
  }

  /** The device these sockets belong to (the modem's name), as traces and state machines name it. */
  get owner(): string {
    return this.ctx.owner;
  }

  socket(family: number, type: number, protocol = 0): number {
    if (this.isShutdown) throw new SocketError(Errno.ESHUTDOWN, 'the modem was shut down');
    if (family !== AF_INET && family !== AF_INET6) throw new SocketError(Errno.EAFNOSUPPORT);
    let proto: number;
    if (type === SOCK_STREAM) {
      if (protocol === IPPROTO_IP || protocol === IPPROTO_TCP) proto = IPPROTO_TCP;
      else if (protocol === IPPROTO_TLS_1_2) proto = IPPROTO_TLS_1_2;
      else if (protocol === IPPROTO_UDP || protocol === IPPROTO_DTLS_1_2)
        throw new SocketError(Errno.EPROTOTYPE);
      else throw new SocketError(Errno.EPROTONOSUPPORT);
    } else if (type === SOCK_DGRAM) {
      if (protocol === IPPROTO_IP || protocol === IPPROTO_UDP) proto = IPPROTO_UDP;
      // Node has no DTLS: a DTLS 1.2 socket cannot be simulated.
      else if (protocol === IPPROTO_DTLS_1_2)
        throw new SocketError(Errno.EPROTONOSUPPORT, 'DTLS is not simulated');
      else if (protocol === IPPROTO_TCP || protocol === IPPROTO_TLS_1_2)
        throw new SocketError(Errno.EPROTOTYPE);
      else throw new SocketError(Errno.EPROTONOSUPPORT);
    } else {
      throw new SocketError(Errno.EPROTONOSUPPORT, `socket type ${type}`);
    }
    if (this.table.size >= MAX_SOCKETS) throw new SocketError(Errno.EMFILE, `at most ${MAX_SOCKETS} sockets`);
    let fd = 0;
    while (this.table.has(fd)) fd++;
    const s =
      type === SOCK_STREAM
        ? new StreamSocket(fd, family, SOCK_STREAM, proto, this.ctx)
        : new DgramSocket(fd, family, SOCK_DGRAM, proto, this.ctx);
    this.table.set(fd, s);
    trace('socket:open', { device: this.ctx.owner, fd, family, type, protocol: proto });
    return fd;
  }

  close(fd: number): void {
    const s = this.get(fd);
    this.table.delete(fd);
    s.close();
    if (s instanceof StreamSocket && s.lingering) {
      // The descriptor is free at once; the connection finishes sending in the background.
      this.lingering.add(s);
      s.onReleased = () => this.lingering.delete(s);
    }
  }

  connect(fd: number, addr: SockAddr): Promise<void> {
    return this.run(fd, (s) => s.connect(addr));
  }

  bind(fd: number, addr: SockAddr): Promise<void> {
    return this.run(fd, (s) => s.bind(addr));
  }

  /** Server sockets are not simulated: the device has no inbound reachability. */
  listen(fd: number, _backlog: number): Promise<void> {
    return this.run(fd, () => Promise.reject(new SocketError(Errno.EOPNOTSUPP, 'listen is not simulated')));
  }

  accept(fd: number): Promise<{ fd: number; addr: SockAddr }> {
    return this.run(fd, () => Promise.reject(new SocketError(Errno.EOPNOTSUPP, 'accept is not simulated')));
  }

  send(fd: number, data: Uint8Array, flags = 0): Promise<number> {
    const s = this.table.get(fd);
    return s ? s.send(data, flags) : Promise.reject(new SocketError(Errno.EBADF, `no socket ${fd}`));
  }

  sendto(fd: number, data: Uint8Array, flags: number, addr: SockAddr): Promise<number> {
    return this.run(fd, (s) => (s instanceof StreamSocket ? s.send(data, flags) : s.send(data, flags, addr)));
  }

  /** Up to `max` bytes; an empty buffer means the peer closed the stream. */
  recv(fd: number, max: number, flags = 0): Promise<Buffer> {
    // The hot path of every download: no closure per call.
    const s = this.table.get(fd);
    return s ? s.recvData(max, flags) : Promise.reject(new SocketError(Errno.EBADF, `no socket ${fd}`));
  }

  /**
   * recv() the way C calls it: into `buf` (reused by the caller), resolving to the number of bytes
   * written, 0 when the peer closed the stream. A stream read takes everything that has arrived, up
   * to `buf.length`, in one call: the cheapest way to download.
   */
  recvInto(fd: number, buf: Uint8Array, flags = 0): Promise<number> {
    const s = this.table.get(fd);
    return s ? s.recvInto(buf, flags) : Promise.reject(new SocketError(Errno.EBADF, `no socket ${fd}`));
  }

  recvfrom(fd: number, max: number, flags = 0): Promise<{ data: Buffer; from: SockAddr | undefined }> {
    return this.run(fd, async (s) => {
      const r = await s.recv(max, flags);
      const from = r.from ?? (s instanceof StreamSocket ? s.peer : undefined);
      return { data: r.data, from };
    });
  }

  poll(fds: PollFd[], timeoutMs: number): Promise<number> {
    return pollSockets(fds, timeoutMs, (fd) => this.table.get(fd), this.ctx.clock);
  }

  setsockopt(fd: number, level: number, name: number, value: SockoptValue): void {
    this.get(fd).options.set(level, name, value);
  }

  getsockopt(fd: number, level: number, name: number): SockoptValue {
    const s = this.get(fd);
    if (level === SOL_SOCKET && name === SO_ERROR) return s.takeSoError();
    if (level === SOL_TLS && s instanceof StreamSocket && s.secure) {
      if (name === TLS_CIPHERSUITE_USED) {
        if (s.state !== 'connected' && s.state !== 'peer-closed') throw new SocketError(Errno.ENOTCONN);
        return s.cipherSuiteUsed;
      }
      if (name === TLS_DTLS_HANDSHAKE_STATUS) return s.handshakeStatus;
    }
    return s.options.get(level, name);
  }

  /** F_GETFL / F_SETFL with O_NONBLOCK. */
  fcntl(fd: number, cmd: number, flags = 0): number {
    const s = this.get(fd);
    if (cmd === F_GETFL) return s.nonblocking ? O_NONBLOCK : 0;
    if (cmd === F_SETFL) {
      s.nonblocking = (flags & O_NONBLOCK) !== 0;
      return 0;
    }
    throw new SocketError(Errno.EINVAL, `fcntl command ${cmd}`);
  }

  getaddrinfo(node: string, service?: string, hints?: AddrInfoHints): Promise<AddrInfo[]> {
    return this.dns.getaddrinfo(node, service, hints);
  }

  freeaddrinfo(res: readonly AddrInfo[]): void {
    this.dns.freeaddrinfo(res);
  }

  /** Open descriptors, lowest first. */
  list(): SocketInfo[] {
    return [...this.table.values()]
      .sort((a, b) => a.fd - b.fd)
      .map((s) => {
        const peer = s instanceof StreamSocket || s instanceof DgramSocket ? s.peer : undefined;
        return {
          fd: s.fd,
          family: s.family,
          type: s.type,
          protocol: s.protocol,
          state: s.state,
          secTags: [...s.options.secTags],
          ...(peer ? { peer } : {}),
        };
      });
  }

  /** True when `fd` is an open socket. */
  isOpen(fd: number): boolean {
    return this.table.has(fd);
  }

  /** Power is gone: every socket fails with ESHUTDOWN and no new one opens. */
  shutdown(): void {
    this.isShutdown = true;
    for (const s of this.table.values()) s.fail(Errno.ESHUTDOWN);
    for (const s of this.lingering) s.abort();
    this.ctx.secureContexts.dispose();
  }

  private networkDown(_reason: DataPathDownReason | undefined): void {
    // nrf_modem "Handling PDN errors on sockets": without SO_KEEPOPEN (mfw_nrf91x1 only) a socket
    // whose PDN is lost reports ENETDOWN on every operation and POLLERR until it is closed.
    for (const s of this.table.values()) {
      const active =
        s.state === 'connecting' ||
        s.state === 'connected' ||
        s.state === 'peer-closed' ||
        (s instanceof DgramSocket && s.active);
      if (active) s.fail(Errno.ENETDOWN);
    }
    for (const s of this.lingering) s.abort();
  }

  private get(fd: number): ModemSocket {
    const s = this.table.get(fd);
    if (!s) throw new SocketError(Errno.EBADF, `no socket ${fd}`);
    return s;
  }

  private run<T>(fd: number, op: (s: ModemSocket) => Promise<T>): Promise<T> {
    let s: ModemSocket;
    try {
      s = this.get(fd);
    } catch (err) {
      return Promise.reject(err);
    }
    return op(s);
  }
}
