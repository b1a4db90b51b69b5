import { Errno } from '../../modem/sockets/index.js';
import { httpGetRequest, httpParseHeader } from './http.js';
import type { DownloadClientKconfig } from './kconfig.js';
import { urlParseFile, urlParseHost } from './url.js';

/**
 * One file's HTTP transfer as download_client keeps it (`struct download_client`'s buffer, offset,
 * progress, file size and `http` flags): the GET for the next fragment, and the response bytes
 * parsed as they land in the receive buffer (`http_parse`).
 */
export class HttpTransfer {
  private buffer: Buffer | undefined;
  /** Bytes of the buffer in use (header, then the fragment being received). */
  offset = 0;
  /** Bytes of the file received so far (including the starting offset). */
  progress = 0;
  /** The size the server reported, 0 before the first response. */
  fileSize = 0;
  /** The response header of the current request has been parsed. */
  hasHeader = false;
  /** The current request asked for a range (one fragment). */
  ranged = false;
  /** The server said `Connection: close`: reconnect before the next request. */
  connectionClose = false;

  constructor(private readonly kconfig: DownloadClientKconfig) {}

  /**
   * CONFIG_DOWNLOAD_CLIENT_BUF_SIZE: the response header must fit. Allocated by the first
   * download: a device that never downloads holds none.
   */
  get buf(): Buffer {
    this.buffer ??= Buffer.alloc(this.kconfig.bufSize);
    return this.buffer;
  }

  /** A new file, from byte `from`. */
  begin(from: number): void {
    this.fileSize = 0;
    this.progress = from;
    this.offset = 0;
    this.hasHeader = false;
  }

  /** The whole file is in. */
  get complete(): boolean {
    return this.progress === this.fileSize;
  }

  /** Free room in the receive buffer (0: a response header did not fit). */
  get room(): number {
    return this.buf.length - this.offset;
  }

  /** Where the next received bytes go. */
  get free(): Buffer {
    return this.buf.subarray(this.offset);
  }

  /** Payload of the current fragment received before a connection broke. */
  get partialFragment(): boolean {
    return this.offset > 0 && this.hasHeader;
  }

  /**
   * The GET for the next fragment of `file` on `host` (`http_get_request_send`), or a negative
   * errno: the URL parts do not fit, or the request does not fit the buffer (-ENOMEM). HTTPS always
   * asks for ranges; plain HTTP with CONFIG_DOWNLOAD_CLIENT_RANGE_REQUESTS.
   */
  request(hostUrl: string, fileUrl: string, fragSize: number, secure: boolean): Buffer | number {
    this.hasHeader = false;
    const host = urlParseHost(hostUrl, this.kconfig.maxHostnameSize);
    if (typeof host === 'number') return host;
    const file = urlParseFile(fileUrl, this.kconfig.maxFilenameSize);
    if (typeof file === 'number') return file;
    const { text, ranged } = httpGetRequest({
      host,
      file,
      progress: this.progress,
      fileSize: this.fileSize,
      fragSize,
      ranged: secure || this.kconfig.rangeRequests,
    });
    this.ranged = ranged;
    const request = Buffer.from(text, 'latin1');
    return request.length > this.kconfig.bufSize ? -Errno.ENOMEM : request;
  }

  /**
   * `http_parse` after `len` more bytes landed at the offset: 1 more data expected, 0 a whole
   * fragment (or the rest of the file), -1 a bad response.
   */
  parse(len: number, fragSize: number): number {
    this.offset += len;
    if (!this.hasHeader) {
      const header = httpParseHeader(this.buf, this.offset, {
        ranged: this.ranged,
        progress: this.progress,
        fileSize: this.fileSize,
      });
      if (header.kind === 'incomplete') return 1;
      if (header.kind === 'error') return -1;
      if (this.fileSize === 0) this.fileSize = header.fileSize;
      if (header.connectionClose) this.connectionClose = true;
      this.hasHeader = true;
      // Payload bytes that came with the header move to the start of the buffer.
      this.buf.copyWithin(0, header.length, this.offset);
      this.offset -= header.length;
    }
    this.progress += Math.min(this.offset, len);
    if (this.progress !== this.fileSize) {
      if (!this.ranged) return 1;
      if (this.offset < fragSize) return 1;
    }
    return 0;
  }

  /** The fragment received so far; the buffer is free again (the fragment is valid until then). */
  takeFragment(): Buffer {
    const fragment = this.buf.subarray(0, this.offset);
    this.offset = 0;
    return fragment;
  }
}
