import {
  AF_INET,
  AF_INET6,
  Errno,
  IPPROTO_DTLS_1_2,
  IPPROTO_TCP,
  IPPROTO_TLS_1_2,
  IPPROTO_UDP,
  SO_BINDTOPDN,
  SO_RCVTIMEO,
  SOCK_STREAM,
  SOL_SOCKET,
  TLS_PEER_VERIFY_REQUIRED,
  applyTlsSocketOptions,
  errnoOf,
  type AddressFamily,
  type DeviceSockets,
  type SockAddr,
  type TlsSocketOptions,
} from '../../modem/sockets/index.js';
import type { DownloadClientCfg, DownloadClientKconfig } from './kconfig.js';
import { bareHost, urlParseHost, urlParsePort, urlParseProto } from './url.js';

/** A connect that disconnect() interrupted: no error event, the thread closes. */
export const ABORTED = 1;

/**
 * The connection of download_client (`client_connect`, `socket_sectag_set`, `socket_send`): the
 * host looked up with the modem's DNS, a TCP or TLS socket with the host's sec tags, requests out
 * and response bytes in. Results are 0 or a negative errno, as in C.
 */
export class DownloadSocket {
  private fd = -1;
  /** IPPROTO_TCP or IPPROTO_TLS_1_2 of the current (or last) connection. */
  proto: number = IPPROTO_TCP;
  /** The errno of the last failed {@link recv}. */
  lastErrno = 0;

  constructor(
    private readonly sockets: DeviceSockets,
    private readonly kconfig: DownloadClientKconfig,
  ) {}

  /** True while a socket is open. */
  get open(): boolean {
    return this.fd >= 0;
  }

  get secure(): boolean {
    return this.proto === IPPROTO_TLS_1_2;
  }

  /**
   * 0, {@link ABORTED} when `closing()` turned true in between, or a negative errno. The host's
   * addresses are tried in getaddrinfo's order until one connects (a down node of a cluster is
   * skipped); the errno is the last address's.
   */
  async connect(host: string, config: DownloadClientCfg, closing: () => boolean): Promise<number> {
    let addrs: SockAddr[] | number = -Errno.EHOSTUNREACH;
    if (this.kconfig.ipv6) addrs = await this.lookup(host, AF_INET6);
    if (typeof addrs === 'number') addrs = await this.lookup(host, AF_INET);
    if (closing()) return ABORTED;
    if (typeof addrs === 'number') return addrs;

    const secTags = config.secTagList ?? [];
    const parsed = urlParseProto(host);
    this.proto =
      typeof parsed === 'number' ? (secTags.length > 0 ? IPPROTO_TLS_1_2 : IPPROTO_TCP) : parsed.proto;
    if (this.proto === IPPROTO_UDP || this.proto === IPPROTO_DTLS_1_2) return -Errno.EPROTONOSUPPORT;
    if (this.secure && secTags.length === 0) return -Errno.EINVAL;
    if (secTags.length === 0 && config.setTlsHostname) return -Errno.EINVAL;
    const port = urlParsePort(host) ?? (this.secure ? 443 : 80);

    let result = -Errno.EHOSTUNREACH;
    for (const [i, addr] of addrs.entries()) {
      if (i > 0) this.close();
      result = await this.connectTo(addr, port, host, config, secTags, closing);
      if (result === 0 || result === ABORTED) return result;
    }
    return result;
  }

  private async connectTo(
    addr: SockAddr,
    port: number,
    host: string,
    config: DownloadClientCfg,
    secTags: readonly number[],
    closing: () => boolean,
  ): Promise<number> {
    try {
      this.fd = this.sockets.socket(addr.family, SOCK_STREAM, this.proto);
    } catch (e) {
      return -errnoOf(e);
    }
    try {
      if (config.pdnId) this.sockets.setsockopt(this.fd, SOL_SOCKET, SO_BINDTOPDN, config.pdnId);
      if (this.secure) {
        const tls: TlsSocketOptions = { secTags, peerVerify: TLS_PEER_VERIFY_REQUIRED };
        if (config.setTlsHostname) {
          const name = urlParseHost(host, this.kconfig.maxHostnameSize);
          if (typeof name === 'number') return name;
          tls.hostname = bareHost(name);
        }
        applyTlsSocketOptions(this.sockets, this.fd, tls);
      }
      await this.sockets.connect(this.fd, { ...addr, port });
    } catch (e) {
      if (closing()) return ABORTED;
      return -errnoOf(e);
    }
    return closing() ? ABORTED : 0;
  }

  /** Sends all of `data`: 0, or a negative errno (-1 without a socket). */
  async send(data: Buffer): Promise<number> {
    if (this.fd < 0) return -1;
    try {
      for (let off = 0; off < data.length;) {
        off += await this.sockets.send(this.fd, data.subarray(off));
      }
    } catch (e) {
      return -errnoOf(e);
    }
    return 0;
  }

  /** Bytes received into `into` (>0), 0 when the peer closed, -1 on an error (its errno in lastErrno). */
  async recv(into: Buffer): Promise<number> {
    const timeout = this.kconfig.tcpSockTimeoMs;
    try {
      if (timeout > 0) {
        this.sockets.setsockopt(this.fd, SOL_SOCKET, SO_RCVTIMEO, {
          tv_sec: Math.floor(timeout / 1000),
          tv_usec: (timeout % 1000) * 1000,
        });
      }
      return await this.sockets.recvInto(this.fd, into);
    } catch (e) {
      this.lastErrno = errnoOf(e);
      return -1;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      this.sockets.close(this.fd);
    } catch {
      // Already gone (the modem shut down): nothing to release.
    }
    this.fd = -1;
  }

  private async lookup(host: string, family: AddressFamily): Promise<SockAddr[] | number> {
    const name = urlParseHost(host, this.kconfig.maxHostnameSize);
    if (typeof name === 'number') return name;
    try {
      const infos = await this.sockets.getaddrinfo(bareHost(name), undefined, { family });
      if (infos.length === 0) return -Errno.EHOSTUNREACH;
      return infos.map((i) => i.addr);
    } catch {
      return -Errno.EHOSTUNREACH;
    }
  }
}
