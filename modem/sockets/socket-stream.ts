import net from 'node:net';
import { Duplex } from 'node:stream';
import { AF_INET, IPPROTO_TCP, IPPROTO_TLS_1_2, SOCK_STREAM, type AddressFamily } from './constants.js';
import type { AddrInfo } from './dns.js';
import type { DeviceSockets } from './device-sockets.js';
import { applyTlsSocketOptions, splitTlsSocketOptions, type TlsSocketOptions } from './tls-socket-options.js';

/** Where to connect, and the TLS options: a non-empty `secTags` makes the socket IPPROTO_TLS_1_2. */
export interface ModemStreamOptions extends Partial<TlsSocketOptions> {
  /** Host name (resolved with the modem's DNS) or numeric address. */
  host: string;
  port: number;
  family?: AddressFamily;
  /** TLS_HOSTNAME (SNI and the name check); defaults to `host` when it is a name, null disables it. */
  hostname?: string | null;
  /** Bytes asked of recv() per read. */
  readSize?: number;
}

/**
 * A Node duplex stream over one modem socket, for protocol libraries that take a stream (mqtt.js).
 * It resolves the host with the modem's DNS, opens a TCP or TLS socket, sets its TLS options and
 * connects, all through the modem socket API, so everything the modem does (sec tags, errno, link,
 * ENETDOWN) shows through. Writes wait for the connection; a failure destroys the stream with the
 * {@link SocketError} or DnsError.
 */
export class ModemSocketStream extends Duplex {
  private fd: number | undefined;
  private readonly connected: Promise<number>;
  private reading = false;
  private readonly readSize: number;

  constructor(
    private readonly sockets: DeviceSockets,
    options: ModemStreamOptions,
  ) {
    super({ allowHalfOpen: false });
    this.readSize = options.readSize ?? 4096;
    this.connected = this.open(options);
    this.connected.then(
      () => this.emit('connect'),
      (err: Error) => this.destroy(err),
    );
  }

  /** The modem socket descriptor once open. */
  get socketFd(): number | undefined {
    return this.fd;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.connected
      .then(async (fd) => {
        let sent = 0;
        while (sent < chunk.length) sent += await this.sockets.send(fd, chunk.subarray(sent));
      })
      .then(
        () => callback(),
        (err: Error) => callback(err),
      );
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.pump();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (this.fd !== undefined && this.sockets.isOpen(this.fd)) this.sockets.close(this.fd);
    this.fd = undefined;
    callback(err);
  }

  private async pump(): Promise<void> {
    try {
      const fd = await this.connected;
      for (;;) {
        if (this.destroyed) return;
        const data = await this.sockets.recv(fd, this.readSize);
        if (this.destroyed) return;
        if (data.length === 0) {
          this.push(null);
          return;
        }
        if (!this.push(data)) break;
      }
      this.reading = false;
    } catch (err) {
      if (!this.destroyed) this.destroy(err as Error);
    }
  }

  /**
   * Tries the host's addresses in the order getaddrinfo gave them, a fresh socket each, and keeps
   * the first that connects (TLS handshake included): when one broker node of a cluster is down,
   * its A record is skipped. The last failure is reported when none connects.
   */
  private async open(o: ModemStreamOptions): Promise<number> {
    const family = o.family ?? AF_INET;
    const infos = await this.sockets.getaddrinfo(o.host, String(o.port), { family, socktype: SOCK_STREAM });
    let failure: unknown;
    for (const info of infos) {
      try {
        return await this.connectTo(o, family, info);
      } catch (err) {
        failure = err;
        if (this.destroyed) break;
      }
    }
    throw failure as Error;
  }

  private async connectTo(o: ModemStreamOptions, family: AddressFamily, info: AddrInfo): Promise<number> {
    const { tls } = splitTlsSocketOptions(o);
    const fd = this.sockets.socket(family, SOCK_STREAM, tls ? IPPROTO_TLS_1_2 : IPPROTO_TCP);
    this.fd = fd;
    if (this.destroyed) {
      this.sockets.close(fd);
      throw new Error('stream destroyed while connecting');
    }
    try {
      if (tls) {
        const hostname = tls.hostname === undefined ? (net.isIP(o.host) ? null : o.host) : tls.hostname;
        applyTlsSocketOptions(this.sockets, fd, { ...tls, hostname });
      }
      await this.sockets.connect(fd, { ...info.addr, port: o.port });
    } catch (err) {
      if (this.sockets.isOpen(fd)) this.sockets.close(fd);
      if (this.fd === fd) this.fd = undefined;
      throw err;
    }
    return fd;
  }
}
