import dgram from 'node:dgram';
import type { LinkFlow } from '../../core/link.js';
import {
  AF_INET,
  AF_INET6,
  MSG_DONTWAIT,
  MSG_PEEK,
  POLLERR,
  POLLIN,
  POLLOUT,
  type SockAddr,
} from './constants.js';
import { Errno, SocketError } from './errno.js';
import { ModemSocket, type Received } from './modem-socket.js';

/** Largest UDP payload over IPv4 (65535 − 8 − 20). */
const MAX_DATAGRAM = 65507;
/** Unread datagrams beyond this many bytes are dropped, as a full receive buffer does. */
const RECEIVE_BUFFER = 64 * 1024;

interface Datagram {
  data: Buffer;
  from: SockAddr;
}

/**
 * A SOCK_DGRAM modem socket (UDP) over a real node:dgram socket. connect() only fixes the default
 * peer. Datagrams cross the device's link and may be lost; a partition drops them. When the NAT
 * mapping expires, incoming datagrams are dropped until the device sends again, which opens a new
 * mapping with a new source port, as a carrier NAT does.
 */
export class DgramSocket extends ModemSocket {
  private host: dgram.Socket | undefined;
  private flow: LinkFlow | undefined;
  private remote: SockAddr | undefined;
  private readonly queue: Datagram[] = [];
  private queued = 0;
  private natExpired = false;

  get peer(): SockAddr | undefined {
    return this.remote;
  }

  async bind(addr: SockAddr): Promise<void> {
    this.checkUsable();
    if (addr.family !== this.family) throw new SocketError(Errno.EAFNOSUPPORT);
    // The device's own port is not reachable from the host side; binding only validates.
    if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 65535)
      throw new SocketError(Errno.EINVAL);
  }

  async connect(addr: SockAddr): Promise<void> {
    this.checkUsable();
    if (addr.family !== this.family) throw new SocketError(Errno.EAFNOSUPPORT);
    this.remote = { ...addr };
    if (this.state === 'open') this.machine.transition('connected');
  }

  async send(data: Uint8Array, flags: number, to?: SockAddr): Promise<number> {
    this.checkUsable();
    const target = to ?? this.remote;
    if (!target) throw new SocketError(Errno.EDESTADDRREQ);
    if (target.family !== this.family) throw new SocketError(Errno.EAFNOSUPPORT);
    if (!this.ctx.dataPath.up) throw new SocketError(Errno.ENETDOWN);
    if (target.family === AF_INET6 && this.ctx.dataPath.ipv6 === undefined) {
      throw new SocketError(Errno.ENETUNREACH, 'the PDN has no IPv6 address');
    }
    if (data.length > MAX_DATAGRAM) throw new SocketError(Errno.EMSGSIZE);
    void flags;
    const chunk = Buffer.from(data);
    const host = this.ensureHost();
    this.natExpired = false;
    this.ctx.dataPath.notifyActivity();
    this.ctx.dataPath.countTraffic('up', chunk.length);
    (this.flow as LinkFlow).send('up', chunk.length, () => {
      if (this.host === host) host.send(chunk, target.port, target.address, () => undefined);
    });
    return chunk.length;
  }

  async recv(max: number, flags: number): Promise<Received> {
    if (!Number.isInteger(max) || max < 0) throw new SocketError(Errno.EINVAL);
    const dontWait = this.nonblocking || (flags & MSG_DONTWAIT) !== 0;
    const peek = (flags & MSG_PEEK) !== 0;
    return this.waitUntil(
      () => {
        this.checkUsable();
        const head = this.queue[0];
        if (!head) return undefined;
        if (!peek) {
          this.queue.shift();
          this.queued -= head.data.length;
        }
        // The rest of a datagram longer than the buffer is discarded.
        return { data: head.data.subarray(0, max), from: { ...head.from } };
      },
      this.options.rcvTimeoMs,
      dontWait,
    );
  }

  pollEvents(): number {
    if (this.failure !== undefined) return POLLERR;
    return (this.queue.length > 0 ? POLLIN : 0) | POLLOUT;
  }

  /** True once the socket has carried traffic on the current PDN. */
  get active(): boolean {
    return this.host !== undefined;
  }

  protected teardown(): void {
    this.flow?.close();
    this.closeHost();
    this.queue.length = 0;
    this.queued = 0;
  }

  private ensureHost(): dgram.Socket {
    if (this.host && !this.natExpired) return this.host;
    this.closeHost();
    const host = dgram.createSocket(this.family === AF_INET ? 'udp4' : 'udp6');
    host.on('error', () => {
      if (this.host === host) this.fail(Errno.EIO);
    });
    host.on('message', (msg, rinfo) => this.onMessage(host, msg, rinfo));
    host.bind(0);
    this.host = host;
    this.flow = this.ctx.link.flow('datagram', () => {
      this.natExpired = true;
    });
    return host;
  }

  private closeHost(): void {
    const host = this.host;
    this.host = undefined;
    this.flow?.close();
    this.flow = undefined;
    if (host) {
      try {
        host.close();
      } catch {
        // Already closed.
      }
    }
  }

  private onMessage(host: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (host !== this.host || this.natExpired) return;
    const from: SockAddr = {
      family: rinfo.family === 'IPv6' ? AF_INET6 : AF_INET,
      address: rinfo.address,
      port: rinfo.port,
    };
    const peer = this.remote;
    if (peer && (peer.port !== from.port || normalise(peer.address) !== normalise(from.address))) return;
    this.ctx.dataPath.notifyActivity();
    this.ctx.dataPath.countTraffic('down', msg.length);
    (this.flow as LinkFlow).send('down', msg.length, () => {
      if (this.queued + msg.length > RECEIVE_BUFFER) return;
      this.queue.push({ data: msg, from });
      this.queued += msg.length;
      this.notify();
    });
  }
}

function normalise(address: string): string {
  return address.replace(/^::ffff:/, '');
}
