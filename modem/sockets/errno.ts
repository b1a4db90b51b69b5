/**
 * Zephyr errno values (newlib numbering, ncs-behaviour §3.1), the one table every socket error in
 * the simulator comes from. nrf_modem's own NRF_E* values use Linux numbers; nrf_modem_lib
 * translates them to these before application code sees them.
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  EFBIG: 27,
  ENOSPC: 28,
  EPIPE: 32,
  ERANGE: 34,
  ENOMSG: 35,
  ENODATA: 61,
  EPROTO: 71,
  EBADMSG: 77,
  EFTYPE: 79,
  EOPNOTSUPP: 95,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EAFNOSUPPORT: 106,
  EPROTOTYPE: 107,
  ENOTSOCK: 108,
  ENOPROTOOPT: 109,
  ESHUTDOWN: 110,
  ECONNREFUSED: 111,
  EADDRINUSE: 112,
  ECONNABORTED: 113,
  ENETUNREACH: 114,
  ENETDOWN: 115,
  ETIMEDOUT: 116,
  EHOSTDOWN: 117,
  EHOSTUNREACH: 118,
  EINPROGRESS: 119,
  EALREADY: 120,
  EDESTADDRREQ: 121,
  EMSGSIZE: 122,
  EPROTONOSUPPORT: 123,
  EADDRNOTAVAIL: 125,
  EISCONN: 127,
  ENOTCONN: 128,
  ENOTSUP: 134,
  EOVERFLOW: 139,
  ECANCELED: 140,
} as const;

export type ErrnoName = keyof typeof Errno;
export type ErrnoValue = (typeof Errno)[ErrnoName];

/** `EWOULDBLOCK` is `EAGAIN` in Zephyr. */
export const EWOULDBLOCK = Errno.EAGAIN;

const NAMES = new Map<number, ErrnoName>(
  (Object.entries(Errno) as Array<[ErrnoName, number]>).map(([name, value]) => [value, name]),
);

/** `ETIMEDOUT` for 116; `E<n>` for a number outside the table. */
export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `E${errno}`;
}

/**
 * A failed socket call: what C code sees as `-1` with `errno` set. The promise-based socket API
 * rejects with this; NCS ports turn it back into `-errno` with {@link errnoOf}.
 */
export class SocketError extends Error {
  readonly errno: ErrnoValue;

  constructor(errno: ErrnoValue, detail?: string) {
    super(detail ? `${errnoName(errno)}: ${detail}` : errnoName(errno));
    this.name = 'SocketError';
    this.errno = errno;
  }

  /** The symbolic name, e.g. `ECONNREFUSED`. */
  get code(): string {
    return errnoName(this.errno);
  }
}

/** The errno carried by `err` (EIO for anything that is not a {@link SocketError}). */
export function errnoOf(err: unknown): number {
  return err instanceof SocketError ? err.errno : Errno.EIO;
}

export function isSocketError(err: unknown, errno?: number): err is SocketError {
  return err instanceof SocketError && (errno === undefined || err.errno === errno);
}
