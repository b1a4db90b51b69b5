import { StateMachine } from '../../core/state-machine.js';
import { trace } from '../../core/trace.js';
import { TLS_HANDSHAKE_STATUS_CACHED, TLS_HANDSHAKE_STATUS_FULL, type SockAddr } from './constants.js';
import { errnoName, type ErrnoValue } from './errno.js';
import { cipherIdOf } from './tls-ciphers.js';

/**
 * The lifecycle of the TLS session of one modem TLS socket. `handshaking`: from the ClientHello until
 * the device sees the handshake done (the host handshake and the link carrying it). `closing`: a
 * graceful close sent close_notify and waits for the connection to end. `failed`: the handshake or
 * the connection failed.
 */
export type TlsSessionState = 'idle' | 'handshaking' | 'established' | 'closing' | 'failed' | 'closed';

export const TLS_SESSION_TRANSITIONS: Readonly<Record<TlsSessionState, readonly TlsSessionState[]>> = {
  idle: ['handshaking', 'failed', 'closed'],
  handshaking: ['established', 'failed', 'closed'],
  established: ['closing', 'failed', 'closed'],
  closing: ['failed', 'closed'],
  failed: ['closed'],
  closed: [],
};

/** What a handshake is made with, for the trace. */
export interface TlsHandshakeSetup {
  secTags: readonly number[];
  hostname: string | null;
  peer: SockAddr;
  sessionCache: boolean;
}

/** What the peer and the modem agreed on. */
export interface TlsHandshakeOutcome {
  resumed: boolean;
  /** The IANA name of the suite (Node's `getCipher().standardName`). */
  cipher: string | undefined;
  /** `TLSv1.2` as the modem speaks. */
  protocol: string | null;
}

/**
 * The TLS session state machine of one socket, and what the handshake left behind for getsockopt
 * (TLS_DTLS_HANDSHAKE_STATUS, TLS_CIPHERSUITE_USED). Every change goes through the machine's
 * transition, which emits `state`; handshakes are published on the `nrf91sim:tls:*` channels.
 */
export class TlsSession {
  readonly machine: StateMachine<TlsSessionState>;
  /** TLS_DTLS_HANDSHAKE_STATUS of the last handshake. */
  handshakeStatus: number = TLS_HANDSHAKE_STATUS_FULL;
  /** TLS_CIPHERSUITE_USED: the IANA id of the negotiated suite, 0 before a handshake. */
  cipherSuiteUsed = 0;
  private setup: TlsHandshakeSetup | undefined;
  private outcome: TlsHandshakeOutcome | undefined;

  constructor(
    readonly fd: number,
    private readonly owner: string,
  ) {
    this.machine = new StateMachine<TlsSessionState>(`tls ${fd}`, 'idle', TLS_SESSION_TRANSITIONS, owner);
  }

  get state(): TlsSessionState {
    return this.machine.state;
  }

  /** The ClientHello goes out. */
  handshake(setup: TlsHandshakeSetup): void {
    this.machine.transition('handshaking');
    this.setup = { ...setup, secTags: [...setup.secTags] };
    trace('tls:handshake:start', {
      device: this.owner,
      fd: this.fd,
      secTags: [...setup.secTags],
      hostname: setup.hostname,
      peer: { address: setup.peer.address, port: setup.peer.port },
      sessionCache: setup.sessionCache,
    });
  }

  /** The host handshake completed; the session stays `handshaking` until the link has carried it. */
  negotiated(outcome: TlsHandshakeOutcome): void {
    if (this.state !== 'handshaking') throw new Error(`tls ${this.fd}: negotiated while ${this.state}`);
    this.outcome = outcome;
    this.handshakeStatus = outcome.resumed ? TLS_HANDSHAKE_STATUS_CACHED : TLS_HANDSHAKE_STATUS_FULL;
    this.cipherSuiteUsed = cipherIdOf(outcome.cipher);
  }

  /** The device sees the handshake done. */
  established(): void {
    this.machine.transition('established');
    const outcome = this.outcome;
    trace('tls:handshake:done', {
      device: this.owner,
      fd: this.fd,
      secTags: [...(this.setup?.secTags ?? [])],
      hostname: this.setup?.hostname ?? null,
      cipher: outcome?.cipher ?? '',
      cipherSuite: this.cipherSuiteUsed,
      protocol: outcome?.protocol ?? '',
      resumed: outcome?.resumed ?? false,
    });
  }

  /** A graceful close: close_notify is on its way with the FIN. */
  closeNotify(): void {
    this.machine.transition('closing');
  }

  /**
   * The connection is gone: `failed` with the errno it failed with, `closed` without one (or when
   * the failed socket is closed). A failure during the handshake is published as a handshake error.
   */
  end(errno?: ErrnoValue, cause?: string): void {
    const from = this.state;
    if (from === 'closed') return;
    if (errno === undefined || from === 'failed') {
      this.machine.transition('closed');
      return;
    }
    this.machine.transition('failed');
    if (from !== 'handshaking') return;
    trace('tls:handshake:error', {
      device: this.owner,
      fd: this.fd,
      secTags: [...(this.setup?.secTags ?? [])],
      hostname: this.setup?.hostname ?? null,
      errno,
      error: errnoName(errno),
      ...(cause !== undefined ? { cause } : {}),
    });
  }
}
