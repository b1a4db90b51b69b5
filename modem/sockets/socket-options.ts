import {
  IPPROTO_TCP,
  SO_BINDTOPDN,
  SO_IP_ECHO_REPLY,
  SO_IPV6_ECHO_REPLY,
  SO_KEEPOPEN,
  SO_RAI,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SILENCE_ALL,
  SO_SNDTIMEO,
  SO_TCP_SRV_SESSTIMEO,
  SOL_SOCKET,
  SOL_TLS,
  TLS_ALPN_LIST,
  TLS_CIPHERSUITE_LIST,
  TLS_DTLS_HANDSHAKE_TIMEO,
  TLS_HOSTNAME,
  TLS_MAX_SEC_TAGS,
  TLS_PEER_VERIFY,
  TLS_PEER_VERIFY_REQUIRED,
  TLS_SEC_TAG_LIST,
  TLS_SESSION_CACHE,
  TLS_SESSION_CACHE_PURGE,
  type SockoptValue,
  type Timeval,
} from './constants.js';
import { Errno, SocketError } from './errno.js';
import { isSupportedCipherId } from './tls-ciphers.js';
import { isUserSecTag } from '../credentials/types.js';

/** Longest TLS_HOSTNAME accepted (a DNS name). */
const MAX_HOSTNAME = 253;

function isTimeval(v: SockoptValue): v is Timeval {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'tv_sec' in v && 'tv_usec' in v;
}

function int(value: SockoptValue, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SocketError(Errno.EINVAL, `option value ${JSON.stringify(value)} out of range ${min}..${max}`);
  }
  return value;
}

/** Milliseconds from a timeval; 0 means no timeout. */
function timevalMs(value: SockoptValue): number {
  if (!isTimeval(value))
    throw new SocketError(Errno.EINVAL, 'a struct timeval { tv_sec, tv_usec } is expected');
  const { tv_sec, tv_usec } = value;
  if (
    !Number.isInteger(tv_sec) ||
    !Number.isInteger(tv_usec) ||
    tv_sec < 0 ||
    tv_usec < 0 ||
    tv_usec >= 1e6
  ) {
    throw new SocketError(Errno.EINVAL, 'timeval out of range');
  }
  return tv_sec * 1000 + Math.floor(tv_usec / 1000);
}

/**
 * The options of one socket (setsockopt/getsockopt), validated on the way in: a malformed value is
 * EINVAL, an unknown option ENOPROTOOPT, a TLS option on a plain socket EOPNOTSUPP.
 */
export class SocketOptions {
  rcvTimeoMs = 0;
  sndTimeoMs = 0;
  reuseAddr = 0;
  bindToPdn = 0;
  keepOpen = 0;
  rai = 0;
  tcpSessionTimeoutMin = 0;
  silenceAll = 0;
  ipEchoReply = 1;
  ipv6EchoReply = 1;
  secTags: number[] = [];
  hostname: string | null = null;
  peerVerify = TLS_PEER_VERIFY_REQUIRED;
  sessionCache = 0;
  cipherList: number[] | undefined;
  /** TLS_ALPN_LIST: protocol names offered in the handshake (none by default). */
  alpnList: string[] | undefined;
  dtlsHandshakeTimeoS = 123;
  /** Set by TLS_SESSION_CACHE_PURGE; the socket layer clears the cache and resets it. */
  purgeRequested = false;

  constructor(readonly secure: boolean) {}

  set(level: number, name: number, value: SockoptValue): void {
    if (level === SOL_SOCKET) return this.setSocket(name, value);
    if (level === SOL_TLS) {
      if (!this.secure) throw new SocketError(Errno.EOPNOTSUPP, 'not a TLS socket');
      return this.setTls(name, value);
    }
    if (level === IPPROTO_TCP && name === SO_TCP_SRV_SESSTIMEO) {
      this.tcpSessionTimeoutMin = int(value, 0, 135);
      return;
    }
    throw new SocketError(Errno.ENOPROTOOPT, `level ${level} option ${name}`);
  }

  get(level: number, name: number): SockoptValue {
    if (level === SOL_SOCKET) {
      switch (name) {
        case SO_RCVTIMEO:
          return msTimeval(this.rcvTimeoMs);
        case SO_SNDTIMEO:
          return msTimeval(this.sndTimeoMs);
        case SO_REUSEADDR:
          return this.reuseAddr;
        case SO_KEEPOPEN:
          return this.keepOpen;
        case SO_SILENCE_ALL:
          return this.silenceAll;
        case SO_IP_ECHO_REPLY:
          return this.ipEchoReply;
        case SO_IPV6_ECHO_REPLY:
          return this.ipv6EchoReply;
      }
      throw new SocketError(Errno.ENOPROTOOPT, `SOL_SOCKET option ${name} cannot be read`);
    }
    if (level === SOL_TLS) {
      if (!this.secure) throw new SocketError(Errno.EOPNOTSUPP, 'not a TLS socket');
      switch (name) {
        case TLS_SEC_TAG_LIST:
          return [...this.secTags];
        case TLS_HOSTNAME:
          return this.hostname;
        case TLS_PEER_VERIFY:
          return this.peerVerify;
        case TLS_SESSION_CACHE:
          return this.sessionCache;
        case TLS_CIPHERSUITE_LIST:
          return this.cipherList ? [...this.cipherList] : [];
        case TLS_ALPN_LIST:
          return this.alpnList ? [...this.alpnList] : [];
        case TLS_DTLS_HANDSHAKE_TIMEO:
          return this.dtlsHandshakeTimeoS;
      }
      throw new SocketError(Errno.ENOPROTOOPT, `SOL_TLS option ${name} cannot be read`);
    }
    if (level === IPPROTO_TCP && name === SO_TCP_SRV_SESSTIMEO) return this.tcpSessionTimeoutMin;
    throw new SocketError(Errno.ENOPROTOOPT, `level ${level} option ${name}`);
  }

  private setSocket(name: number, value: SockoptValue): void {
    switch (name) {
      case SO_RCVTIMEO:
        this.rcvTimeoMs = timevalMs(value);
        return;
      case SO_SNDTIMEO:
        this.sndTimeoMs = timevalMs(value);
        return;
      case SO_REUSEADDR:
        this.reuseAddr = int(value, 0, 1);
        return;
      case SO_BINDTOPDN:
        this.bindToPdn = int(value, 0, 10);
        return;
      case SO_KEEPOPEN:
        this.keepOpen = int(value, 0, 1);
        return;
      case SO_RAI:
        this.rai = int(value, 1, 5);
        return;
      case SO_SILENCE_ALL:
        this.silenceAll = int(value, 0, 1);
        return;
      case SO_IP_ECHO_REPLY:
        this.ipEchoReply = int(value, 0, 1);
        return;
      case SO_IPV6_ECHO_REPLY:
        this.ipv6EchoReply = int(value, 0, 1);
        return;
    }
    throw new SocketError(Errno.ENOPROTOOPT, `SOL_SOCKET option ${name}`);
  }

  private setTls(name: number, value: SockoptValue): void {
    switch (name) {
      case TLS_SEC_TAG_LIST: {
        if (!Array.isArray(value)) throw new SocketError(Errno.EINVAL, 'a list of sec tags is expected');
        const tags = value as readonly number[];
        if (tags.length === 0 || tags.length > TLS_MAX_SEC_TAGS || !tags.every(isUserSecTag)) {
          throw new SocketError(Errno.EINVAL, `1 to ${TLS_MAX_SEC_TAGS} sec tags in 0..2147483647`);
        }
        this.secTags = [...tags];
        return;
      }
      case TLS_HOSTNAME:
        if (value === null || value === '') {
          this.hostname = null;
          return;
        }
        if (typeof value !== 'string' || value.length > MAX_HOSTNAME || /[\s\0"]/.test(value)) {
          throw new SocketError(Errno.EINVAL, 'TLS_HOSTNAME must be a host name');
        }
        this.hostname = value;
        return;
      case TLS_PEER_VERIFY:
        this.peerVerify = int(value, 0, 2);
        return;
      case TLS_SESSION_CACHE:
        this.sessionCache = int(value, 0, 1);
        return;
      case TLS_SESSION_CACHE_PURGE:
        this.purgeRequested = true;
        return;
      case TLS_CIPHERSUITE_LIST: {
        if (!Array.isArray(value))
          throw new SocketError(Errno.EINVAL, 'a list of IANA cipher suite ids is expected');
        const ids = value as readonly number[];
        if (ids.length === 0 || !ids.every((id) => isSupportedCipherId(id))) {
          throw new SocketError(Errno.EINVAL, 'unknown or unsupported cipher suite');
        }
        this.cipherList = [...ids];
        return;
      }
      case TLS_DTLS_HANDSHAKE_TIMEO:
        this.dtlsHandshakeTimeoS = int(value, 0, 123);
        return;
      case TLS_ALPN_LIST: {
        // RFC 7301: 1 to 255 bytes per protocol name.
        const names = Array.isArray(value) ? (value as readonly unknown[]) : [];
        const valid = (n: unknown): boolean =>
          typeof n === 'string' && n.length > 0 && Buffer.byteLength(n) <= 255 && !n.includes('\0');
        if (names.length === 0 || !names.every(valid)) {
          throw new SocketError(Errno.EINVAL, 'a list of ALPN protocol names is expected');
        }
        this.alpnList = [...(names as readonly string[])];
        return;
      }
    }
    throw new SocketError(Errno.ENOPROTOOPT, `SOL_TLS option ${name}`);
  }
}

function msTimeval(ms: number): Timeval {
  return { tv_sec: Math.floor(ms / 1000), tv_usec: (ms % 1000) * 1000 };
}
