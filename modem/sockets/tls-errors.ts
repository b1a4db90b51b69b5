import { Errno, type ErrnoValue } from './errno.js';

/** Where a connection failed: the TCP connect, the TLS handshake, or an established connection. */
export type FailurePhase = 'connect' | 'handshake' | 'established';

export interface FailureRule {
  /** What went wrong, for docs/sockets.md. */
  cause: string;
  /** Node/OpenSSL error codes (`err.code`) the rule covers. */
  codes: RegExp;
  phases: readonly FailurePhase[];
  errno: ErrnoValue;
}

/**
 * How host-side network and TLS failures become the errno a modem socket reports: the one table
 * (ncs-behaviour §3.1 step 5 recommends ECONNREFUSED for certificate and handshake failures; the
 * exact value nrf_modem returns per cause is not documented, so it is tuned here and only here).
 * The first matching rule wins.
 */
export const FAILURE_TABLE: readonly FailureRule[] = [
  {
    cause: 'server certificate not signed by a CA in the sec tags, self-signed, expired or not yet valid',
    codes:
      /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_SIGNATURE_FAILURE|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|CERT_REJECTED|INVALID_CA|CERT_CHAIN_TOO_LONG)$/,
    phases: ['handshake'],
    errno: Errno.ECONNREFUSED,
  },
  {
    cause: 'TLS_HOSTNAME does not match the server certificate (SAN/CN)',
    codes: /^ERR_TLS_CERT_ALTNAME_INVALID$/,
    phases: ['handshake'],
    errno: Errno.ECONNREFUSED,
  },
  {
    cause: 'the server sent an alert (client certificate missing or rejected, no common cipher or version)',
    codes: /^ERR_SSL_/,
    phases: ['handshake'],
    errno: Errno.ECONNREFUSED,
  },
  {
    cause: 'the server closed the connection during the handshake',
    codes: /^(ECONNRESET|EPIPE|ERR_STREAM_PREMATURE_CLOSE|EOF)$/,
    phases: ['handshake'],
    errno: Errno.ECONNREFUSED,
  },
  {
    cause: 'no answer in time (connect or handshake)',
    codes: /^ETIMEDOUT$/,
    phases: ['connect', 'handshake', 'established'],
    errno: Errno.ETIMEDOUT,
  },
  {
    cause: 'nothing listens on the port',
    codes: /^ECONNREFUSED$/,
    phases: ['connect'],
    errno: Errno.ECONNREFUSED,
  },
  {
    cause: 'no route to the address',
    codes: /^(EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL)$/,
    phases: ['connect'],
    errno: Errno.EHOSTUNREACH,
  },
  {
    cause: 'the peer reset an established connection, or a TLS error after the handshake',
    codes: /^(ECONNRESET|EPIPE|ERR_SSL_.*|ERR_STREAM_PREMATURE_CLOSE)$/,
    phases: ['established'],
    errno: Errno.ECONNRESET,
  },
];

/** The errno for `err` in `phase` (ECONNABORTED when no rule matches). */
export function errnoForFailure(err: unknown, phase: FailurePhase): ErrnoValue {
  const code = String((err as { code?: unknown } | undefined)?.code ?? '');
  for (const rule of FAILURE_TABLE) {
    if (rule.phases.includes(phase) && rule.codes.test(code)) return rule.errno;
  }
  return phase === 'established' ? Errno.ECONNRESET : Errno.ECONNABORTED;
}
