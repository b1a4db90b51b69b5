import type { TimerHandle } from '../../core/clock.js';
import { TypedEmitter } from '../../core/events.js';
import { StateMachine } from '../../core/state-machine.js';
import { trace, tracing } from '../../core/trace.js';
import { IPPROTO_TLS_1_2, type AddressFamily, type SockAddr, type SocketType } from './constants.js';
import { Errno, SocketError, errnoName, type ErrnoValue } from './errno.js';
import type { SocketContext } from './socket-context.js';
import { SocketOptions } from './socket-options.js';

/**
 * A socket's lifecycle. `peer-closed`: the peer ended the stream (recv returns 0). `failed`: the
 * connection is gone (reset, handshake failure, network down); every operation reports the error
 * until the application closes the socket.
 */
export type SocketState = 'open' | 'connecting' | 'connected' | 'peer-closed' | 'failed' | 'closed';

const LEGAL: Readonly<Record<SocketState, readonly SocketState[]>> = {
  open: ['connecting', 'connected', 'failed', 'closed'],
  connecting: ['connected', 'failed', 'closed'],
  connected: ['peer-closed', 'failed', 'closed'],
  'peer-closed': ['failed', 'closed'],
  failed: ['closed'],
  closed: [],
};

export interface Received {
  data: Buffer;
  from?: SockAddr;
}

export type ModemSocketEvents = {
  /** Something a waiter or poll() may care about changed (data, space, state, error). */
  ready: [];
};

/** The parts every modem socket shares: options, state, the pending error and blocking waits. */
export abstract class ModemSocket extends TypedEmitter<ModemSocketEvents> {
  readonly machine: StateMachine<SocketState>;
  readonly options: SocketOptions;
  /** O_NONBLOCK (fcntl). */
  nonblocking = false;
  protected failure: ErrnoValue | undefined;
  private soError = 0;

  constructor(
    readonly fd: number,
    readonly family: AddressFamily,
    readonly type: SocketType,
    readonly protocol: number,
    protected readonly ctx: SocketContext,
  ) {
    super();
    this.machine = new StateMachine<SocketState>(`socket ${fd}`, 'open', LEGAL, ctx.owner);
    this.machine.on('state', (to) => {
      this.traceState(to);
      this.notify();
    });
    this.options = new SocketOptions(protocol === IPPROTO_TLS_1_2);
  }

  get state(): SocketState {
    return this.machine.state;
  }

  get secure(): boolean {
    return this.protocol === IPPROTO_TLS_1_2;
  }

  /** The error connect() or the connection ended with, if any. */
  get error(): ErrnoValue | undefined {
    return this.failure;
  }

  /** The connected peer, if any. */
  abstract get peer(): SockAddr | undefined;
  abstract connect(addr: SockAddr): Promise<void>;
  abstract bind(addr: SockAddr): Promise<void>;
  abstract send(data: Uint8Array, flags: number, to?: SockAddr): Promise<number>;
  abstract recv(max: number, flags: number): Promise<Received>;

  /** recv() without the sender address. */
  recvData(max: number, flags: number): Promise<Buffer> {
    return this.recv(max, flags).then((r) => r.data);
  }

  /** recv() into the caller's buffer, as C's recv(fd, buf, len, flags): resolves to the byte count. */
  recvInto(buf: Uint8Array, flags: number): Promise<number> {
    return this.recvData(buf.length, flags).then((data) => {
      buf.set(data);
      return data.length;
    });
  }
  /** Readiness as poll() reports it (POLLIN, POLLOUT, POLLERR, POLLHUP). */
  abstract pollEvents(): number;
  /** Drops the host-side connection and anything in flight. */
  protected abstract teardown(): void;

  /** SO_ERROR: the pending error, cleared by reading it. */
  takeSoError(): number {
    const e = this.soError;
    this.soError = 0;
    return e;
  }

  /** The connection is gone: operations report `errno` from now on; waiters wake. */
  fail(errno: ErrnoValue): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.failure = errno;
    this.soError = errno;
    this.teardown();
    this.machine.transition('failed');
  }

  close(): void {
    const from = this.state;
    if (from === 'closed') return;
    this.linger();
    if (tracing('socket:close')) {
      const { device, fd, protocol } = this.traceId();
      trace('socket:close', { device, fd, protocol, from, lingering: this.lingering });
    }
    this.machine.transition('closed');
    this.removeAllListeners();
  }

  /** True after close() while accepted bytes are still on their way to the peer. */
  get lingering(): boolean {
    return false;
  }

  /** What close() does to the host side: drop it, unless a socket type finishes gracefully. */
  protected linger(): void {
    this.teardown();
  }

  /** The host-side error code behind the failure, for the traces. */
  protected failureCause(): string | undefined {
    return undefined;
  }

  /** Connect starts (`connecting`) and ends (`connected`), failures: on the `nrf91sim:socket:*` channels. */
  private traceState(to: SocketState): void {
    if (to === 'connecting' || to === 'connected') {
      const name = to === 'connecting' ? 'socket:connect' : 'socket:connected';
      const peer = this.peer;
      if (!tracing(name) || !peer) return;
      trace(name, { ...this.traceId(), peer: { address: peer.address, port: peer.port } });
    } else if (to === 'failed' && tracing('socket:error')) {
      const errno = this.failure ?? 0;
      const cause = this.failureCause();
      trace('socket:error', {
        device: this.ctx.owner,
        fd: this.fd,
        errno,
        error: errnoName(errno),
        ...(cause !== undefined ? { cause } : {}),
      });
    }
  }

  private traceId(): { device: string; fd: number; protocol: number } {
    return { device: this.ctx.owner, fd: this.fd, protocol: this.protocol };
  }

  protected notify(): void {
    this.emit('ready');
  }

  /** Throws what an operation on a closed or failed socket reports. */
  protected checkUsable(): void {
    if (this.state === 'closed') throw new SocketError(Errno.EBADF, 'socket closed');
    if (this.failure !== undefined) throw new SocketError(this.failure);
  }

  /**
   * Runs `check` until it returns a value, waking on every readiness change: the shape of a blocking
   * socket call. Non-blocking (O_NONBLOCK or MSG_DONTWAIT) gives EAGAIN at once; a timeout from
   * SO_RCVTIMEO/SO_SNDTIMEO (on the modem's clock) gives EAGAIN when it runs out.
   */
  protected waitUntil<T>(check: () => T | undefined, timeoutMs: number, dontWait: boolean): Promise<T> {
    try {
      const value = check();
      if (value !== undefined) return Promise.resolve(value);
    } catch (err) {
      return Promise.reject(err);
    }
    if (dontWait) return Promise.reject(new SocketError(Errno.EAGAIN));
    return new Promise<T>((resolve, reject) => {
      let timer: TimerHandle | undefined;
      let finished = false;
      let running = false;
      let again = false;
      const finish = (): void => {
        finished = true;
        this.off('ready', onReady);
        timer?.cancel();
      };
      // `check` may act (send) and so wake waiters itself: a nested wake-up re-runs it afterwards
      // instead of running it inside itself, so an operation happens once.
      const onReady = (): void => {
        if (finished) return;
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            const value = this.state === 'closed' ? failClosed() : check();
            if (value !== undefined) {
              finish();
              resolve(value);
              return;
            }
          } while (again && !finished);
        } catch (err) {
          finish();
          reject(err);
        } finally {
          running = false;
        }
      };
      this.on('ready', onReady);
      if (timeoutMs > 0) {
        timer = this.ctx.clock.setTimeout(() => {
          if (finished) return;
          finish();
          reject(new SocketError(Errno.EAGAIN, 'timed out'));
        }, timeoutMs);
      }
    });
  }
}

function failClosed(): never {
  throw new SocketError(Errno.EBADF, 'socket closed');
}
