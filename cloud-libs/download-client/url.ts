import {
  Errno,
  IPPROTO_DTLS_1_2,
  IPPROTO_TCP,
  IPPROTO_TLS_1_2,
  IPPROTO_UDP,
  SOCK_DGRAM,
  SOCK_STREAM,
} from '../../modem/sockets/index.js';

/**
 * URL pieces as download_client's `parse.c` takes them apart: by the scheme prefix, the first `:`
 * or `/` after `://`, and `[…]` around an IPv6 literal. Failures are negative Zephyr errno values.
 */

/** `https`, `http`, `coaps`, `coap` by prefix; anything else -EINVAL (no scheme given). */
export function urlParseProto(url: string): { proto: number; type: number } | number {
  if (url.startsWith('https')) return { proto: IPPROTO_TLS_1_2, type: SOCK_STREAM };
  if (url.startsWith('http')) return { proto: IPPROTO_TCP, type: SOCK_STREAM };
  if (url.startsWith('coaps')) return { proto: IPPROTO_DTLS_1_2, type: SOCK_DGRAM };
  if (url.startsWith('coap')) return { proto: IPPROTO_UDP, type: SOCK_DGRAM };
  return -Errno.EINVAL;
}

function afterScheme(url: string): string {
  const i = url.indexOf('://');
  return i >= 0 ? url.slice(i + 3) : url;
}

/**
 * The host part (an IPv6 literal keeps its brackets, as in the `Host:` header download_client
 * sends); longer than `maxLength` gives -E2BIG (CONFIG_DOWNLOAD_CLIENT_MAX_HOSTNAME_SIZE).
 */
export function urlParseHost(url: string, maxLength: number): string | number {
  const cur = afterScheme(url);
  let host: string;
  if (cur.startsWith('[')) {
    const end = cur.indexOf(']');
    if (end < 0) return -Errno.EINVAL;
    host = cur.slice(0, end + 1);
  } else {
    const colon = cur.indexOf(':');
    const slash = cur.indexOf('/');
    const end = colon >= 0 ? colon : slash;
    host = end >= 0 ? cur.slice(0, end) : cur;
  }
  return host.length + 1 > maxLength ? -Errno.E2BIG : host;
}

/** The explicit port after the host, or undefined when the URL has none. */
export function urlParsePort(url: string): number | undefined {
  let cur = afterScheme(url);
  if (cur.startsWith('[')) {
    const end = cur.indexOf(']');
    cur = end >= 0 ? cur.slice(end + 1) : cur;
  }
  const colon = cur.indexOf(':');
  if (colon < 0) return undefined;
  // atoi: the leading digits; none gives 0.
  const digits = /^\d*/.exec(cur.slice(colon + 1))?.[0] ?? '';
  return digits === '' ? 0 : Number(digits) & 0xffff;
}

/**
 * The file part: with `//` in it, what follows the host's `/`; otherwise the text as given. It is
 * requested as `GET /<file>`, so a file is named without a leading slash.
 */
export function urlParseFile(url: string, maxLength: number): string | number {
  let cur = url;
  if (url.includes('//')) {
    const scheme = cur.indexOf('://');
    if (scheme < 0) return -Errno.EINVAL;
    cur = cur.slice(scheme + 3);
    const slash = cur.indexOf('/');
    if (slash < 0) return -Errno.EINVAL;
    cur = cur.slice(slash + 1);
  }
  return cur.length + 1 > maxLength ? -Errno.E2BIG : cur;
}

/** The host name without IPv6 brackets, for getaddrinfo and TLS_HOSTNAME. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
