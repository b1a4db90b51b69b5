import type { SecureVersion } from 'node:tls';
import type { Clock } from '../../core/clock.js';
import type { Link } from '../../core/link.js';
import type { CredentialStore } from '../credentials/store.js';
import type { DataPath } from '../network/data-path.js';
import type { SecureContextCache } from './tls-credentials.js';

/** Modem socket figures a device profile can change. */
export interface SocketProfile {
  /** How long connect() waits for the TCP connect and the TLS handshake together. */
  connectTimeoutMs: number;
  /** Bytes a socket accepts ahead of the link before send() blocks (or says EAGAIN). */
  sendBufferBytes: number;
  /** Largest plaintext the modem takes in one incoming TLS record; 0 lifts the limit. */
  tlsMaxIncomingRecord: number;
  /** `TLSv1.2` as the nRF9160 modem; `TLSv1.3` lets the simulator negotiate newer. */
  tlsMaxVersion: SecureVersion;
}

export const DEFAULT_SOCKET_PROFILE: SocketProfile = {
  connectTimeoutMs: 60_000,
  sendBufferBytes: 16 * 1024,
  // NCS known issue (sdk-nrf #20182): "The nRF91 Series modem has a size limit of 2303 bytes for
  // receiving TLS packages", seen by download_client as -EMSGSIZE.
  tlsMaxIncomingRecord: 2303,
  tlsMaxVersion: 'TLSv1.2',
};

/**
 * TLS sessions the modem keeps for TLS_SESSION_CACHE, keyed by sec tags and peer, so a reconnect
 * resumes (one round trip, no certificates) instead of doing a full handshake. Lost with the modem.
 */
export class TlsSessionCache {
  private readonly sessions = new Map<string, Buffer>();

  static key(secTags: readonly number[], hostname: string | null, address: string, port: number): string {
    return `${secTags.join(',')}|${hostname ?? ''}|${address}|${port}`;
  }

  get(key: string): Buffer | undefined {
    return this.sessions.get(key);
  }

  set(key: string, session: Buffer): void {
    this.sessions.set(key, session);
  }

  /** TLS_SESSION_CACHE_PURGE: forgets every session made with these sec tags. */
  purge(secTags: readonly number[]): void {
    const prefix = `${secTags.join(',')}|`;
    for (const k of this.sessions.keys()) if (k.startsWith(prefix)) this.sessions.delete(k);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** What every socket of one modem shares. */
export interface SocketContext {
  readonly owner: string;
  readonly clock: Clock;
  readonly link: Link;
  readonly dataPath: DataPath;
  readonly credentials: CredentialStore;
  readonly secureContexts: SecureContextCache;
  readonly sessions: TlsSessionCache;
  readonly profile: SocketProfile;
}
