export {
  type AddressFamily,
  AF_INET,
  AF_INET6,
  AF_PACKET,
  AF_UNSPEC,
  F_GETFL,
  F_SETFL,
  IPPROTO_DTLS_1_2,
  IPPROTO_IP,
  IPPROTO_TCP,
  IPPROTO_TLS_1_2,
  IPPROTO_UDP,
  MAX_SOCKETS,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_WAITALL,
  O_NONBLOCK,
  POLLERR,
  type PollFd,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  SO_BINDTOPDN,
  SO_ERROR,
  SO_IP_ECHO_REPLY,
  SO_IPV6_ECHO_REPLY,
  SO_KEEPOPEN,
  SO_RAI,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SILENCE_ALL,
  SO_SNDTIMEO,
  SO_TCP_SRV_SESSTIMEO,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  type SockAddr,
  type SocketType,
  type SockoptValue,
  SOL_SOCKET,
  SOL_TLS,
  type Timeval,
  TLS_ALPN_LIST,
  TLS_CIPHERSUITE_LIST,
  TLS_CIPHERSUITE_USED,
  TLS_DTLS_CID,
  TLS_DTLS_CID_STATUS,
  TLS_DTLS_HANDSHAKE_STATUS,
  TLS_DTLS_HANDSHAKE_TIMEO,
  TLS_DTLS_ROLE,
  TLS_HANDSHAKE_STATUS_CACHED,
  TLS_HANDSHAKE_STATUS_FULL,
  TLS_HOSTNAME,
  TLS_MAX_SEC_TAGS,
  TLS_PEER_VERIFY,
  TLS_PEER_VERIFY_NONE,
  TLS_PEER_VERIFY_OPTIONAL,
  TLS_PEER_VERIFY_REQUIRED,
  TLS_SEC_TAG_LIST,
  TLS_SESSION_CACHE,
  TLS_SESSION_CACHE_PURGE,
} from './constants.js';
export { DgramSocket } from './dgram-socket.js';
export {
  type AddrInfo,
  type AddrInfoHints,
  DEFAULT_DNS,
  DnsEai,
  type DnsEaiCode,
  DnsError,
  type DnsProfile,
  DnsResolver,
  gaiStrerror,
} from './dns.js';
export {
  Errno,
  errnoName,
  type ErrnoName,
  errnoOf,
  type ErrnoValue,
  EWOULDBLOCK,
  isSocketError,
  SocketError,
} from './errno.js';
export {
  clockIntervalTimer,
  type IntervalTimer,
  mqttKeepAlive,
  wireKeepAliveSeconds,
} from './interval-timer.js';
export { ModemSocket, type ModemSocketEvents, type Received, type SocketState } from './modem-socket.js';
export type { DeviceSockets } from './device-sockets.js';
export { ModemSockets, type SocketInfo } from './modem-sockets.js';
export {
  DEFAULT_SOCKET_PROFILE,
  type SocketContext,
  type SocketProfile,
  TlsSessionCache,
} from './socket-context.js';
export { SocketOptions } from './socket-options.js';
export { ModemSocketStream, type ModemStreamOptions } from './socket-stream.js';
export { StreamSocket } from './stream-socket.js';
export { cipherIdOf, cipherString, isSupportedCipherId, MODEM_CIPHER_SUITES } from './tls-ciphers.js';
export { runTlsHandshake, startModemTls, type TlsHandshakeEvents } from './tls-connect.js';
export { collectMaterial, SecureContextCache, type TlsMaterial } from './tls-credentials.js';
export { errnoForFailure, FAILURE_TABLE, type FailurePhase, type FailureRule } from './tls-errors.js';
export { TlsSession, TLS_SESSION_TRANSITIONS, type TlsSessionState } from './tls-session.js';
export {
  applyTlsSocketOptions,
  splitTlsSocketOptions,
  type TlsOptionTarget,
  type TlsSocketOptions,
} from './tls-socket-options.js';
