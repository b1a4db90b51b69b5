import {
  SOL_TLS,
  TLS_CIPHERSUITE_LIST,
  TLS_HOSTNAME,
  TLS_PEER_VERIFY,
  TLS_PEER_VERIFY_REQUIRED,
  TLS_SEC_TAG_LIST,
  TLS_SESSION_CACHE,
  type SockoptValue,
} from './constants.js';

/**
 * How a TLS socket is set up: the SOL_TLS options the NCS libraries set before connect() (aws_iot's
 * `mqtt_sec_config`, download_client's `socket_sectag_set`), carried as one value from the library
 * to the socket. {@link applyTlsSocketOptions} turns it into the setsockopt calls.
 */
export interface TlsSocketOptions {
  /** TLS_SEC_TAG_LIST: 1 to 7 sec tags whose CA, client certificate and key the handshake uses. */
  secTags: readonly number[];
  /**
   * TLS_HOSTNAME: sent as SNI and checked against the server certificate. Left out or null, the
   * modem sends no SNI and checks no name.
   */
  hostname?: string | null;
  /** TLS_PEER_VERIFY: 2 required (the default, as every NCS library sets it), 1 optional, 0 none. */
  peerVerify?: 0 | 1 | 2;
  /** TLS_SESSION_CACHE: keep the session and resume it on the next connect to the same peer. */
  sessionCache?: boolean;
  /** TLS_CIPHERSUITE_LIST: IANA ids to offer; every suite of the modem when left out. */
  cipherList?: readonly number[];
}

/** The setsockopt face {@link applyTlsSocketOptions} needs (ModemSockets has it). */
export interface TlsOptionTarget {
  setsockopt(fd: number, level: number, name: number, value: SockoptValue): void;
}

/**
 * Sets `options` on the TLS socket `fd`, one setsockopt each, in the order the NCS libraries call
 * them. Throws the SocketError setsockopt throws (EINVAL for a bad sec tag list or host name).
 */
export function applyTlsSocketOptions(target: TlsOptionTarget, fd: number, options: TlsSocketOptions): void {
  target.setsockopt(fd, SOL_TLS, TLS_SEC_TAG_LIST, [...options.secTags]);
  target.setsockopt(fd, SOL_TLS, TLS_PEER_VERIFY, options.peerVerify ?? TLS_PEER_VERIFY_REQUIRED);
  if (options.hostname !== undefined) target.setsockopt(fd, SOL_TLS, TLS_HOSTNAME, options.hostname);
  if (options.sessionCache) target.setsockopt(fd, SOL_TLS, TLS_SESSION_CACHE, 1);
  if (options.cipherList) target.setsockopt(fd, SOL_TLS, TLS_CIPHERSUITE_LIST, [...options.cipherList]);
}

const KEYS = ['secTags', 'hostname', 'peerVerify', 'sessionCache', 'cipherList'] as const;

/**
 * Splits the TLS options off a wider options object (a stream's, an MQTT client's): `tls` is
 * undefined when there are no sec tags, which means plain TCP.
 */
export function splitTlsSocketOptions<T extends Partial<TlsSocketOptions>>(
  options: T,
): { tls: TlsSocketOptions | undefined; rest: Omit<T, keyof TlsSocketOptions> } {
  const rest: Record<string, unknown> = { ...options };
  const picked: Record<string, unknown> = {};
  for (const key of KEYS) {
    if (rest[key] !== undefined) picked[key] = rest[key];
    delete rest[key];
  }
  const tls = (options.secTags?.length ?? 0) > 0 ? (picked as unknown as TlsSocketOptions) : undefined;
  return { tls, rest: rest as Omit<T, keyof TlsSocketOptions> };
}
