import type net from 'node:net';
import { Duplex } from 'node:stream';

const HEADER = 5;
const APPLICATION_DATA = 23;

/**
 * Ciphertext bytes of TLS record protection for a negotiated suite: what a record carries beyond
 * its plaintext. CBC suites carry IV + MAC + at least one padding byte, so the plaintext estimate is
 * an upper bound (at most 15 bytes high).
 */
export function recordOverhead(suite: string | undefined, version: string | null | undefined): number {
  if (version === 'TLSv1.3') return 17;
  if (!suite) return 0;
  if (suite.includes('GCM')) return 24;
  if (suite.includes('CCM_8')) return 16;
  if (suite.includes('CHACHA20')) return 16;
  const mac = suite.endsWith('SHA384') ? 48 : suite.endsWith('SHA256') ? 32 : 20;
  return 16 + mac + 1;
}

/**
 * The ciphertext side of a modem TLS socket: a pass-through duplex over the TCP socket that reads
 * TLS record headers as they arrive and counts bytes both ways. The nRF91 modem cannot take an
 * incoming record whose plaintext exceeds its buffer (2303 bytes: NCS known issue "Download client
 * might fail with error -EMSGSIZE", sdk-nrf #20182); `onOversize` reports the first such record.
 */
export class TlsRecordTap extends Duplex {
  bytesIn = 0;
  bytesOut = 0;
  private header = Buffer.alloc(HEADER);
  private headerFill = 0;
  private bodyLeft = 0;
  private overhead: number | undefined;
  private pending: number[] = [];
  private tripped = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly maxPlaintext: number,
    private readonly onOversize: (plaintext: number) => void,
  ) {
    super({ allowHalfOpen: false });
    socket.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      if (this.maxPlaintext > 0 && !this.tripped) this.scan(chunk);
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
  }

  /** Called once the suite is known; records seen before are judged now. */
  setOverhead(bytes: number): void {
    this.overhead = bytes;
    for (const length of this.pending.splice(0)) this.judge(length);
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytesOut += chunk.length;
    // Completed once handed over: the TCP socket buffers, and the socket layer watches its length.
    this.socket.write(chunk);
    callback();
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    this.socket.cork();
    for (const { chunk } of chunks) {
      this.bytesOut += chunk.length;
      this.socket.write(chunk);
    }
    this.socket.uncork();
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(err);
  }

  private scan(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      const n = Math.min(HEADER - this.headerFill, chunk.length - i);
      chunk.copy(this.header, this.headerFill, i, i + n);
      this.headerFill += n;
      i += n;
      if (this.headerFill < HEADER) return;
      this.headerFill = 0;
      const length = this.header.readUInt16BE(3);
      this.bodyLeft = length;
      if (this.header[0] !== APPLICATION_DATA) continue;
      if (this.overhead === undefined) this.pending.push(length);
      else this.judge(length);
    }
  }

  private judge(length: number): void {
    if (this.tripped) return;
    const plaintext = length - (this.overhead ?? 0);
    if (plaintext > this.maxPlaintext) {
      this.tripped = true;
      this.onOversize(plaintext);
    }
  }
}
