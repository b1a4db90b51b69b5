import { StateMachine } from '../../core/state-machine.js';
import { Errno, type DeviceSockets } from '../../modem/sockets/index.js';
import { ABORTED, DownloadSocket } from './download-socket.js';
import { HttpTransfer } from './http-transfer.js';
import {
  DOWNLOAD_CLIENT_KCONFIG_DEFAULTS,
  type DownloadClientCallback,
  type DownloadClientCfg,
  type DownloadClientEvt,
  type DownloadClientKconfig,
} from './kconfig.js';

export type DownloadClientState = 'IDLE' | 'CONNECTING' | 'DOWNLOADING' | 'FINISHED' | 'CLOSING';

const LEGAL: Readonly<Record<DownloadClientState, readonly DownloadClientState[]>> = {
  IDLE: ['CONNECTING'],
  CONNECTING: ['DOWNLOADING', 'CLOSING', 'IDLE'],
  DOWNLOADING: ['FINISHED', 'CLOSING', 'IDLE'],
  FINISHED: ['DOWNLOADING', 'CLOSING', 'IDLE'],
  CLOSING: ['IDLE'],
};

/**
 * download_client (NCS, `subsys/net/lib/download_client`) over the modem's sockets: HTTP and HTTPS
 * downloads in fragments, one ranged request per fragment on a keep-alive connection, reconnect and
 * resume on socket errors when the application says so. The C library's thread is an async loop
 * woken like its semaphore; API calls return 0 or a negative errno as in C. CoAP is not built in
 * (as with CONFIG_COAP=n): `coap://` hosts fail with -EPROTONOSUPPORT. The connection is a
 * {@link DownloadSocket}, the bytes of the file an {@link HttpTransfer}.
 */
export class DownloadClient {
  readonly machine: StateMachine<DownloadClientState>;
  /** The device the client runs on (the modem's name unless given). */
  readonly owner: string;
  private readonly kconfig: DownloadClientKconfig;
  private readonly socket: DownloadSocket;
  private readonly transfer: HttpTransfer;
  private host: string | undefined;
  private file: string | undefined;
  private config: DownloadClientCfg = {};
  private closeWhenDone = false;
  private semCount = 0;
  private semWaiter: (() => void) | undefined;

  constructor(
    sockets: DeviceSockets,
    private readonly callback: DownloadClientCallback,
    kconfig: Partial<DownloadClientKconfig> = {},
    owner = sockets.owner,
  ) {
    this.kconfig = { ...DOWNLOAD_CLIENT_KCONFIG_DEFAULTS, ...kconfig };
    this.owner = owner;
    this.socket = new DownloadSocket(sockets, this.kconfig);
    this.transfer = new HttpTransfer(this.kconfig);
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
    return this.transfer.progress;
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
    this.transfer.begin(from);
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
    this.socket.close();
    this.give();
    return 0;
  }

  /** download_client_file_size_get: the size the server reported, 0 before the first response. */
  fileSizeGet(): number {
    return this.transfer.fileSize;
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
      this.socket.close();
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
          this.transfer.offset = 0;
          let rc = await this.requestSend();
          sendRequest = false;
          if (rc !== 0) {
            if (!this.socket.open && this.state !== 'DOWNLOADING') break;
            if ((await this.errorEvt(Errno.ECONNRESET)) !== 0) break;
            rc = await this.reconnect();
            if (rc !== 0) break;
            sendRequest = true;
            continue;
          }
        }
        if (this.transfer.room === 0) {
          // The response header did not fit the buffer.
          await this.errorEvt(Errno.E2BIG);
          break;
        }
        const len = await this.socket.recv(this.transfer.free);
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

  private async clientConnect(): Promise<number> {
    const err = await this.socket.connect(this.host as string, this.config, () => this.closing());
    if (err === ABORTED) return ABORTED;
    if (err !== 0) {
      await this.errorEvt(-err);
      await this.handleDisconnect();
    }
    return err;
  }

  private async requestSend(): Promise<number> {
    if (!this.socket.open) return -1;
    const request = this.transfer.request(
      this.host as string,
      this.file as string,
      this.fragSize(),
      this.socket.secure,
    );
    if (typeof request === 'number') return request;
    return this.socket.send(request);
  }

  private fragSize(): number {
    return this.config.fragSizeOverride || this.kconfig.httpFragSize;
  }

  /** 0 to send the request again (after a reconnect), non-zero to stop. */
  private async handleSocketError(len: number): Promise<number> {
    if (!this.socket.open) return -1; // disconnect() closed it
    // A partial fragment already counted in the progress goes to the application first.
    if (this.transfer.partialFragment) {
      if ((await this.fragmentEvt()) !== 0) return -1;
    }
    let error: number = Errno.ECONNRESET;
    const last = this.socket.lastErrno;
    if (len === -1 && (last === Errno.ETIMEDOUT || last === Errno.EAGAIN)) error = Errno.ETIMEDOUT;
    if ((await this.errorEvt(error)) !== 0) return -1;
    return (await this.reconnect()) !== 0 ? -1 : 0;
  }

  /** 1: read more; 0: request the next fragment; -1: stop. */
  private async handleReceived(len: number): Promise<number> {
    const t = this.transfer;
    let rc = t.parse(len, this.fragSize());
    if (rc > 0 && (this.kconfig.rangeRequests || !t.hasHeader)) return 1;
    if (rc < 0) {
      await this.errorEvt(Errno.EBADMSG);
      return -1;
    }
    if ((await this.fragmentEvt()) !== 0) rc = -1;
    if (t.complete) {
      await this.call({ id: 'DOWNLOAD_CLIENT_EVT_DONE' });
      rc = -1;
    } else if (this.kconfig.rangeRequests) {
      rc = 0;
    }
    if (t.connectionClose && rc >= 0) {
      t.connectionClose = false;
      if ((await this.reconnect()) !== 0) {
        await this.errorEvt(Errno.EHOSTDOWN);
        rc = -1;
      }
    }
    return rc;
  }

  private fragmentEvt(): Promise<number> {
    return this.call({ id: 'DOWNLOAD_CLIENT_EVT_FRAGMENT', fragment: this.transfer.takeFragment() });
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
    this.socket.close();
    return this.clientConnect();
  }

  private async handleDisconnect(): Promise<void> {
    this.socket.close();
    this.closeWhenDone = false;
    this.host = undefined;
    this.file = undefined;
    if (this.state !== 'IDLE') this.machine.transition('IDLE');
    await this.call({ id: 'DOWNLOAD_CLIENT_EVT_CLOSED' });
  }
}
