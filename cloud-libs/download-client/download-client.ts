import { StateMachine } from '../../core/state-machine.js';
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
  SOL_TLS,
  TLS_HOSTNAME,
  TLS_PEER_VERIFY,
  TLS_PEER_VERIFY_REQUIRED,
  TLS_SEC_TAG_LIST,
  errnoOf,
  type AddressFamily,
  type ModemSockets,
  type SockAddr,
} from '../../modem/sockets/index.js';
import { httpGetRequest, httpParseHeader } from './http.js';
import { bareHost, urlParseFile, urlParseHost, urlParsePort, urlParseProto } from './url.js';

/** The library's Kconfig options that shape a download. */
export interface DownloadClientKconfig {
  /** CONFIG_DOWNLOAD_CLIENT_BUF_SIZE: the receive buffer, which a response header must fit. */
  bufSize: number;
  /** CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE: 256, 512, 1024, 2048 (4096 is not allowed with the modem). */
  httpFragSize: 256 | 512 | 1024 | 2048;
  /** CONFIG_DOWNLOAD_CLIENT_TCP_SOCK_TIMEO_MS: receive timeout; -1 or 0 leaves recv blocking. */
  tcpSockTimeoMs: number;
  /** CONFIG_DOWNLOAD_CLIENT_RANGE_REQUESTS: one ranged request per fragment over plain HTTP too. */
  rangeRequests: boolean;
  /** CONFIG_DOWNLOAD_CLIENT_IPV6: resolve IPv6 first, fall back to IPv4. */
  ipv6: boolean;
  /** CONFIG_DOWNLOAD_CLIENT_MAX_HOSTNAME_SIZE. */
  maxHostnameSize: number;
  /** CONFIG_DOWNLOAD_CLIENT_MAX_FILENAME_SIZE. */
  maxFilenameSize: number;
}

export const DOWNLOAD_CLIENT_KCONFIG_DEFAULTS: Readonly<DownloadClientKconfig> = {
  bufSize: 2048,
  httpFragSize: 2048,
  tcpSockTimeoMs: 30_000,
  rangeRequests: true,
  ipv6: false,
  maxHostnameSize: 64,
  maxFilenameSize: 192,
};

/** `struct download_client_cfg`: per host. */
export interface DownloadClientCfg {
  /** Sec tags for HTTPS; without a scheme in the host, a non-empty list means HTTPS. */
  secTagList?: readonly number[];
  /** SO_BINDTOPDN (stored by the modem; every socket uses the default PDN). */
  pdnId?: number;
  /** Fragment size for this host instead of CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE (0: none). */
  fragSizeOverride?: number;
  /** Set TLS_HOSTNAME to the host: the server certificate must carry its name. */
  setTlsHostname?: boolean;
}

export type DownloadClientEvt =
  /** `fragment` is valid until the callback returns (or its promise settles): copy what you keep. */
  | { id: 'DOWNLOAD_CLIENT_EVT_FRAGMENT'; fragment: Buffer }
  /** `error` is a negative Zephyr errno. Returning 0 from the callback on a socket error reconnects and resumes. */
  | { id: 'DOWNLOAD_CLIENT_EVT_ERROR'; error: number }
  | { id: 'DOWNLOAD_CLIENT_EVT_DONE' }
  | { id: 'DOWNLOAD_CLIENT_EVT_CLOSED' };

/** Return non-zero to stop: after a fragment, the download stops; after an error, no reconnect. */
export type DownloadClientCallback = (evt: DownloadClientEvt) => number | void | Promise<number | void>;

export type DownloadClientState = 'IDLE' | 'CONNECTING' | 'DOWNLOADING' | 'FINISHED' | 'CLOSING';

const LEGAL: Readonly<Record<DownloadClientState, readonly DownloadClientState[]>> = {
  IDLE: ['CONNECTING'],
  CONNECTING: ['DOWNLOADING', 'CLOSING', 'IDLE'],
  DOWNLOADING: ['FINISHED', 'CLOSING', 'IDLE'],
  FINISHED: ['DOWNLOADING', 'CLOSING', 'IDLE'],
  CLOSING: ['IDLE'],
};

/** A connect that disconnect() interrupted: no error event, the thread closes. */
const ABORTED = 1;

/**
 * download_client (NCS, `subsys/net/lib/download_client`) over the modem's sockets: HTTP and HTTPS
 * downloads in fragments, one ranged request per fragment on a keep-alive connection, reconnect and
 * resume on socket errors when the application says so. The C library's thread is an async loop
 * woken like its semaphore; API calls return 0 or a negative errno as in C. CoAP is not built in
 * (as with CONFIG_COAP=n): `coap://` hosts fail with -EPROTONOSUPPORT.
 */
export class DownloadClient {
  readonly machine: StateMachine<DownloadClientState>;
  private readonly kconfig: DownloadClientKconfig;
  private readonly buf: Buffer;
  private fd = -1;
  private host: string | undefined;
  private file: string | undefined;
  private config: DownloadClientCfg = {};
  private proto = IPPROTO_TCP;
  private closeWhenDone = false;
  private fileSize = 0;
  private progressBytes = 0;
  private offset = 0;
  private http = { hasHeader: false, ranged: false, connectionClose: false };
  private lastErrno = 0;
  private semCount = 0;
  private semWaiter: (() => void) | undefined;

  constructor(
    private readonly sockets: ModemSockets,
    private readonly callback: DownloadClientCallback,
    kconfig: Partial<DownloadClientKconfig> = {},
    owner = '',
  ) {
    this.kconfig = { ...DOWNLOAD_CLIENT_KCONFIG_DEFAULTS, ...kconfig };
    this.buf = Buffer.alloc(this.kconfig.bufSize);
    this.machine = new StateMachine<DownloadClientState>('download_client', 'IDLE', LEGAL, owner);
    this.runThread();
  }

  get state(): DownloadClientState {
    return this.machine.state;
  }

  /** disconnect() was called (read afresh after every await). */
  private closing(): boolean {
    return this.machine.state === 'CLOSING';
  }

  /** Bytes of the file received so far (including the starting offset). */
  get progress(): number {
    return this.progressBytes;
  }

  /** download_client_set_host / download_client_connect: 0, -E2BIG, -EALREADY. */
  setHost(host: string, config: DownloadClientCfg = {}): number {
    if ((config.fragSizeOverride ?? 0) > this.kconfig.bufSize) return -Errno.E2BIG;
    if (this.state !== 'IDLE') return -Errno.EALREADY;
    this.config = { ...config };
    this.host = host;
    this.closeWhenDone = false;
    return 0;
  }

  connect(host: string, config: DownloadClientCfg = {}): number {
    return this.setHost(host, config);
  }

  /** download_client_start: downloads `file` from byte `from` on the host set before. */
  start(file: string, from = 0): number {
    if (this.host === undefined) return -Errno.EINVAL;
    if (this.state !== 'IDLE' && this.state !== 'FINISHED') return -Errno.EALREADY;
    this.file = file;
    this.fileSize = 0;
    this.progressBytes = from;
    this.offset = 0;
    this.http.hasHeader = false;
    this.machine.transition(this.state === 'IDLE' ? 'CONNECTING' : 'DOWNLOADING');
    this.give();
    return 0;
  }

  /** download_client_get: set the host, download (from `from`), and close when done. */
  get(host: string, config: DownloadClientCfg, file: string | undefined, from = 0): number {
    const rc = this.setHost(host, config);
    if (rc !== 0) return rc;
    this.closeWhenDone = true;
    return this.start(file ?? host, from);
  }

  /**
   * download_client_disconnect: stops a download and closes the connection (CLOSED follows). The
   * socket closes at once, so a receive blocked on a silent server ends now, not at its timeout.
   */
  disconnect(): number {
    if (this.state === 'IDLE') return -Errno.EINVAL;
    this.machine.transition('CLOSING');
    this.closeSocket();
    this.give();
    return 0;
  }

  /** download_client_file_size_get: the size the server reported, 0 before the first response. */
  fileSizeGet(): number {
    return this.fileSize;
  }

  // --- the download thread ---------------------------------------------------------------------

  private give(): void {
    const waiter = this.semWaiter;
    if (waiter) {
      this.semWaiter = undefined;
      waiter();
    } else this.semCount = 1;
  }

  private take(): Promise<void> {
    if (this.semCount > 0) {
      this.semCount = 0;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.semWaiter = resolve));
  }

  /** The loop never ends; should it fail unexpectedly, the client drops the connection and goes on. */
  private runThread(): void {
    this.thread().catch(() => {
      this.closeSocket();
      if (this.state !== 'IDLE') this.machine.transition(this.state === 'CLOSING' ? 'IDLE' : 'CLOSING');
      if (this.closing()) this.machine.transition('IDLE');
      this.runThread();
    });
  }

  private async thread(): Promise<void> {
    for (;;) {
      await this.take();
      let sendRequest = this.state === 'DOWNLOADING';
      if (this.state === 'CONNECTING') {
        if ((await this.clientConnect()) !== 0) {
          if (this.closing()) await this.handleDisconnect();
          continue;
        }
        if (this.state !== 'CONNECTING') {
          if (this.closing()) await this.handleDisconnect();
          continue;
        }
        this.machine.transition('DOWNLOADING');
        sendRequest = true;
      }
      while (this.state === 'DOWNLOADING') {
        if (sendRequest) {
          this.offset = 0;
          let rc = await this.requestSend();
          sendRequest = false;
          if (rc !== 0) {
            if (this.fd === -1 && this.state !== 'DOWNLOADING') break;
            if ((await this.errorEvt(Errno.ECONNRESET)) !== 0) break;
            rc = await this.reconnect();
            if (rc !== 0) break;
            sendRequest = true;
            continue;
          }
        }
        if (this.buf.length - this.offset === 0) {
          // The response header did not fit the buffer.
          await this.errorEvt(Errno.E2BIG);
          break;
        }
        const len = await this.socketRecv();
        if (len <= 0) {
          if ((await this.handleSocketError(len)) !== 0) break;
          sendRequest = true;
        } else {
          const rc = await this.handleReceived(len);
          if (rc < 0) break;
          if (rc === 0) sendRequest = true;
        }
      }
      if (this.state === 'DOWNLOADING') {
        this.machine.transition(this.closeWhenDone ? 'CLOSING' : 'FINISHED');
      }
      if (this.closing()) await this.handleDisconnect();
    }
  }

  private async hostLookup(family: AddressFamily): Promise<SockAddr | number> {
    const name = urlParseHost(this.host as string, this.kconfig.maxHostnameSize);
    if (typeof name === 'number') return name;
    try {
      const [info] = await this.sockets.getaddrinfo(bareHost(name), undefined, { family });
      if (!info) return -Errno.EHOSTUNREACH;
      return info.addr;
    } catch {
      return -Errno.EHOSTUNREACH;
    }
  }

  private async clientConnect(): Promise<number> {
    const err = await this.openSocket();
    if (err === ABORTED) return ABORTED;
    if (err !== 0) {
      await this.errorEvt(-err);
      await this.handleDisconnect();
    }
    return err;
  }

  /** 0, ABORTED when disconnect() came in between, or a negative errno. */
  private async openSocket(): Promise<number> {
    const host = this.host as string;
    let addr: SockAddr | number = -Errno.EHOSTUNREACH;
    if (this.kconfig.ipv6) addr = await this.hostLookup(AF_INET6);
    if (typeof addr === 'number') addr = await this.hostLookup(AF_INET);
    if (this.closing()) return ABORTED;
    if (typeof addr === 'number') return addr;

    const secTags = this.config.secTagList ?? [];
    const parsed = urlParseProto(host);
    this.proto =
      typeof parsed === 'number' ? (secTags.length > 0 ? IPPROTO_TLS_1_2 : IPPROTO_TCP) : parsed.proto;
    if (this.proto === IPPROTO_UDP || this.proto === IPPROTO_DTLS_1_2) return -Errno.EPROTONOSUPPORT;
    const secure = this.proto === IPPROTO_TLS_1_2;
    if (secure && secTags.length === 0) return -Errno.EINVAL;
    if (secTags.length === 0 && this.config.setTlsHostname) return -Errno.EINVAL;
    const port = urlParsePort(host) ?? (secure ? 443 : 80);

    try {
      this.fd = this.sockets.socket(addr.family, SOCK_STREAM, this.proto);
    } catch (e) {
      return -errnoOf(e);
    }
    try {
      const s = this.sockets;
      if (this.config.pdnId) s.setsockopt(this.fd, SOL_SOCKET, SO_BINDTOPDN, this.config.pdnId);
      if (secure) {
        s.setsockopt(this.fd, SOL_TLS, TLS_PEER_VERIFY, TLS_PEER_VERIFY_REQUIRED);
        s.setsockopt(this.fd, SOL_TLS, TLS_SEC_TAG_LIST, [...secTags]);
        if (this.config.setTlsHostname) {
          const name = urlParseHost(host, this.kconfig.maxHostnameSize);
          if (typeof name === 'number') return name;
          s.setsockopt(this.fd, SOL_TLS, TLS_HOSTNAME, bareHost(name));
        }
      }
      await s.connect(this.fd, { ...addr, port });
    } catch (e) {
      if (this.closing()) return ABORTED;
      return -errnoOf(e);
    }
    return this.closing() ? ABORTED : 0;
  }

  private async requestSend(): Promise<number> {
    if (this.fd < 0) return -1;
    this.http.hasHeader = false;
    const host = urlParseHost(this.host as string, this.kconfig.maxHostnameSize);
    if (typeof host === 'number') return host;
    const file = urlParseFile(this.file as string, this.kconfig.maxFilenameSize);
    if (typeof file === 'number') return file;
    const { text, ranged } = httpGetRequest({
      host,
      file,
      progress: this.progressBytes,
      fileSize: this.fileSize,
      fragSize: this.fragSize(),
      ranged: this.proto === IPPROTO_TLS_1_2 || this.kconfig.rangeRequests,
    });
    this.http.ranged = ranged;
    const request = Buffer.from(text, 'latin1');
    if (request.length > this.kconfig.bufSize) return -Errno.ENOMEM;
    try {
      for (let off = 0; off < request.length;) {
        off += await this.sockets.send(this.fd, request.subarray(off));
      }
    } catch (e) {
      return -errnoOf(e);
    }
    return 0;
  }

  private fragSize(): number {
    return this.config.fragSizeOverride || this.kconfig.httpFragSize;
  }

  /** Bytes received (>0), 0 when the peer closed, -1 on an error (its errno in lastErrno). */
  private async socketRecv(): Promise<number> {
    const timeout = this.kconfig.tcpSockTimeoMs;
    try {
      if (timeout > 0) {
        this.sockets.setsockopt(this.fd, SOL_SOCKET, SO_RCVTIMEO, {
          tv_sec: Math.floor(timeout / 1000),
          tv_usec: (timeout % 1000) * 1000,
        });
      }
      return await this.sockets.recvInto(this.fd, this.buf.subarray(this.offset));
    } catch (e) {
      this.lastErrno = errnoOf(e);
      return -1;
    }
  }

  /** 0 to send the request again (after a reconnect), non-zero to stop. */
  private async handleSocketError(len: number): Promise<number> {
    if (this.fd === -1) return -1; // disconnect() closed it
    // A partial fragment already counted in the progress goes to the application first.
    if (this.offset > 0 && this.http.hasHeader) {
      if ((await this.fragmentEvt()) !== 0) return -1;
    }
    let error: number = Errno.ECONNRESET;
    if (len === -1 && (this.lastErrno === Errno.ETIMEDOUT || this.lastErrno === Errno.EAGAIN)) {
      error = Errno.ETIMEDOUT;
    }
    if ((await this.errorEvt(error)) !== 0) return -1;
    return (await this.reconnect()) !== 0 ? -1 : 0;
  }

  /** 1: read more; 0: request the next fragment; -1: stop. */
  private async handleReceived(len: number): Promise<number> {
    let rc = this.httpParse(len);
    if (rc > 0 && (this.kconfig.rangeRequests || !this.http.hasHeader)) return 1;
    if (rc < 0) {
      await this.errorEvt(Errno.EBADMSG);
      return -1;
    }
    if ((await this.fragmentEvt()) !== 0) rc = -1;
    if (this.progressBytes === this.fileSize) {
      await this.call({ id: 'DOWNLOAD_CLIENT_EVT_DONE' });
      rc = -1;
    } else if (this.kconfig.rangeRequests) {
      rc = 0;
    }
    if (this.http.connectionClose && rc >= 0) {
      this.http.connectionClose = false;
      if ((await this.reconnect()) !== 0) {
        await this.errorEvt(Errno.EHOSTDOWN);
        rc = -1;
      }
    }
    return rc;
  }

  /** http_parse: 1 more data expected, 0 a whole fragment (or the file), -1 a bad response. */
  private httpParse(len: number): number {
    this.offset += len;
    if (!this.http.hasHeader) {
      const header = httpParseHeader(this.buf, this.offset, {
        ranged: this.http.ranged,
        progress: this.progressBytes,
        fileSize: this.fileSize,
      });
      if (header.kind === 'incomplete') return 1;
      if (header.kind === 'error') return -1;
      if (this.fileSize === 0) this.fileSize = header.fileSize;
      if (header.connectionClose) this.http.connectionClose = true;
      this.http.hasHeader = true;
      // Payload bytes that came with the header move to the start of the buffer.
      this.buf.copyWithin(0, header.length, this.offset);
      this.offset -= header.length;
    }
    this.progressBytes += Math.min(this.offset, len);
    if (this.progressBytes !== this.fileSize) {
      if (!this.http.ranged) return 1;
      if (this.offset < this.fragSize()) return 1;
    }
    return 0;
  }

  private fragmentEvt(): Promise<number> {
    const fragment = this.buf.subarray(0, this.offset);
    this.offset = 0;
    return this.call({ id: 'DOWNLOAD_CLIENT_EVT_FRAGMENT', fragment });
  }

  private errorEvt(errno: number): Promise<number> {
    return this.call({ id: 'DOWNLOAD_CLIENT_EVT_ERROR', error: -errno });
  }

  /** The application's answer; one that throws counts as a refusal (non-zero). */
  private async call(evt: DownloadClientEvt): Promise<number> {
    try {
      return (await this.callback(evt)) ?? 0;
    } catch {
      return -1;
    }
  }

  private async reconnect(): Promise<number> {
    this.closeSocket();
    return this.clientConnect();
  }

  private closeSocket(): void {
    if (this.fd < 0) return;
    try {
      this.sockets.close(this.fd);
    } catch {
      // Already gone (the modem shut down): nothing to release.
    }
    this.fd = -1;
  }

  private async handleDisconnect(): Promise<void> {
    this.closeSocket();
    this.closeWhenDone = false;
    this.host = undefined;
    this.file = undefined;
    if (this.state !== 'IDLE') this.machine.transition('IDLE');
    await this.call({ id: 'DOWNLOAD_CLIENT_EVT_CLOSED' });
  }
}
