/**
 * The HTTP side of download_client (`src/http.c`): the GET it sends for the next fragment and the
 * response header it accepts. Byte-faithful: the request lines, header order and `Connection:
 * keep-alive` are the original's; the response header is matched case-insensitively.
 */

export interface HttpRequestInput {
  host: string;
  file: string;
  /** Bytes of the file already downloaded. */
  progress: number;
  /** The file size once a response told it, 0 before. */
  fileSize: number;
  /** Fragment size: the per-download override or CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE. */
  fragSize: number;
  /** HTTPS, or CONFIG_DOWNLOAD_CLIENT_RANGE_REQUESTS: ask for one fragment per request. */
  ranged: boolean;
}

/** The request text and whether it asked for a range. */
export function httpGetRequest(r: HttpRequestInput): { text: string; ranged: boolean } {
  if (r.ranged) {
    let last = r.progress + r.fragSize - 1;
    // Do not ask for bytes past the end of the file once its size is known.
    if (r.fileSize !== 0) last = Math.min(last, r.fileSize - 1);
    return {
      text:
        `GET /${r.file} HTTP/1.1\r\nHost: ${r.host}\r\nRange: bytes=${r.progress}-${last}\r\n` +
        'Connection: keep-alive\r\n\r\n',
      ranged: true,
    };
  }
  if (r.progress > 0) {
    return {
      text:
        `GET /${r.file} HTTP/1.1\r\nHost: ${r.host}\r\nRange: bytes=${r.progress}-\r\n` +
        'Connection: keep-alive\r\n\r\n',
      ranged: false,
    };
  }
  return {
    text: `GET /${r.file} HTTP/1.1\r\nHost: ${r.host}\r\nConnection: keep-alive\r\n\r\n`,
    ranged: false,
  };
}

export type HeaderParse =
  | { kind: 'incomplete' }
  | { kind: 'error'; reason: string }
  | {
      kind: 'header';
      /** Bytes of the header, including the blank line. */
      length: number;
      /** The file size the header gives (0 when it was already known and not read again). */
      fileSize: number;
      /** `connection: close`: reconnect before the next request. */
      connectionClose: boolean;
    };

const END = Buffer.from('\r\n\r\n');

/**
 * Parses the response header at the start of `buf` (the first `filled` bytes are valid). A ranged
 * request or a resumed one expects 206 and reads the size after the `/` of `Content-Range`; a plain
 * request expects 200 and adds `Content-Length` to the starting offset. Any other status, or a
 * missing size header, is an error (the caller reports EBADMSG).
 */
export function httpParseHeader(
  buf: Buffer,
  filled: number,
  state: { ranged: boolean; progress: number; fileSize: number },
): HeaderParse {
  const end = buf.subarray(0, filled).indexOf(END);
  if (end < 0) return { kind: 'incomplete' };
  const length = end + END.length;
  const header = buf.toString('latin1', 0, length).toLowerCase();
  const expected = state.ranged || state.progress > 0 ? 206 : 200;
  const at = header.indexOf('http/1.1 ');
  if (at < 0) return { kind: 'error', reason: 'server response missing HTTP/1.1' };
  const statusText = /^\d*/.exec(header.slice(at + 9))?.[0] ?? '';
  const status = statusText === '' ? 0 : Number(statusText);
  if (status !== expected) {
    const line = header.slice(at + 9).split(/[\r\n]/, 1)[0] ?? '';
    return { kind: 'error', reason: `unexpected HTTP response: ${line}` };
  }
  let fileSize = 0;
  if (state.fileSize === 0) {
    if (state.ranged) {
      const cr = header.indexOf('content-range');
      if (cr < 0) return { kind: 'error', reason: 'server did not send "Content-Range" in response' };
      const slash = header.indexOf('/', cr);
      if (slash < 0) return { kind: 'error', reason: 'no file size in response' };
      fileSize = atoi(header.slice(slash + 1));
    } else {
      const cl = header.indexOf('content-length');
      if (cl < 0) return { kind: 'error', reason: 'server did not send "Content-Length" in response' };
      const colon = header.indexOf(':', cl);
      if (colon < 0) return { kind: 'error', reason: 'no file size in response' };
      fileSize = state.progress + atoi(header.slice(colon + 1));
    }
  }
  return { kind: 'header', length, fileSize, connectionClose: header.includes('connection: close') };
}

/** C's atoi: leading blanks, an optional sign, digits; anything else ends it (0 when none). */
function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? Number(m[1]) : 0;
}
