/**
 * Socket API numbers at the Zephyr level (`zephyr/net/socket.h`, NCS `socket_ncs.h`), which is what
 * NCS code passes to the offloaded nrf_modem sockets (ncs-behaviour §3.1). Raw `nrf_socket` ids
 * differ between nrf_modem versions; nothing here depends on them.
 */

export const AF_UNSPEC = 0;
export const AF_INET = 1;
export const AF_INET6 = 2;
export const AF_PACKET = 3;
export type AddressFamily = typeof AF_INET | typeof AF_INET6;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export type SocketType = typeof SOCK_STREAM | typeof SOCK_DGRAM | typeof SOCK_RAW;

export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
/** TLS 1.2 handled inside the modem (`AT#XSSOCKET` reports 258). */
export const IPPROTO_TLS_1_2 = 258;
/** DTLS 1.2 inside the modem (273); the simulator has no DTLS and answers EPROTONOSUPPORT. */
export const IPPROTO_DTLS_1_2 = 273;

export const SOL_SOCKET = 1;
export const SOL_TLS = 282;

export const SO_REUSEADDR = 2;
export const SO_ERROR = 4;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;
export const SO_SILENCE_ALL = 30;
export const SO_IP_ECHO_REPLY = 31;
export const SO_IPV6_ECHO_REPLY = 32;
export const SO_KEEPOPEN = 34;
export const SO_BINDTOPDN = 40;
/** Level IPPROTO_TCP: TCP server session inactivity timeout, minutes. */
export const SO_TCP_SRV_SESSTIMEO = 55;
export const SO_RAI = 61;

export const TLS_SEC_TAG_LIST = 1;
export const TLS_HOSTNAME = 2;
export const TLS_CIPHERSUITE_LIST = 3;
export const TLS_CIPHERSUITE_USED = 4;
export const TLS_PEER_VERIFY = 5;
export const TLS_DTLS_ROLE = 6;
/**
 * Zephyr's TLS_ALPN_LIST: the ALPN protocol names the handshake offers. nrf_modem has no such option
 * (its offload answers ENOPROTOOPT); the simulated modem takes it so that ports whose secure sockets
 * negotiate ALPN (FreeRTOS `SOCKETS_SO_ALPN_PROTOCOLS`, AWS IoT on 443) run over it.
 */
export const TLS_ALPN_LIST = 7;
export const TLS_SESSION_CACHE = 12;
export const TLS_SESSION_CACHE_PURGE = 13;
export const TLS_DTLS_CID = 14;
export const TLS_DTLS_CID_STATUS = 15;
export const TLS_DTLS_HANDSHAKE_TIMEO = 18;
/** End status of the last handshake: 0 full, 1 resumed from the session cache (NRF_SO_SEC_HANDSHAKE_STATUS). */
export const TLS_DTLS_HANDSHAKE_STATUS = 19;

export const TLS_PEER_VERIFY_NONE = 0;
export const TLS_PEER_VERIFY_OPTIONAL = 1;
export const TLS_PEER_VERIFY_REQUIRED = 2;
export const TLS_HANDSHAKE_STATUS_FULL = 0;
export const TLS_HANDSHAKE_STATUS_CACHED = 1;

/** nrf_modem: at most 7 sec tags per socket (NRF_SOCKET_TLS_MAX_SEC_TAG_LIST_SIZE). */
export const TLS_MAX_SEC_TAGS = 7;
/** nrf_modem: eight sockets at once ("The library supports up to eight networking sockets"). */
export const MAX_SOCKETS = 8;

export const MSG_PEEK = 0x02;
export const MSG_DONTWAIT = 0x40;
export const MSG_WAITALL = 0x100;

export const POLLIN = 0x01;
export const POLLPRI = 0x02;
export const POLLOUT = 0x04;
export const POLLERR = 0x08;
export const POLLHUP = 0x10;
export const POLLNVAL = 0x20;

export const F_GETFL = 3;
export const F_SETFL = 4;
/** Zephyr's `O_NONBLOCK` (newlib `_FNONBLOCK`). */
export const O_NONBLOCK = 0x4000;

/** A socket address: the family, a numeric IPv4/IPv6 address and a port. */
export interface SockAddr {
  family: AddressFamily;
  address: string;
  port: number;
}

/** `struct timeval` for SO_RCVTIMEO / SO_SNDTIMEO; zero means no timeout (block forever). */
export interface Timeval {
  tv_sec: number;
  tv_usec: number;
}

/** A socket option value, shaped per option (docs/sockets.md lists which takes what). */
export type SockoptValue = number | string | null | readonly number[] | readonly string[] | Timeval;

export interface PollFd {
  fd: number;
  events: number;
  revents: number;
}
