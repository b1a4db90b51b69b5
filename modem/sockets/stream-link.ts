import type tls from 'node:tls';
import type { Link, LinkFlow } from '../../core/link.js';

/** Bytes of a TCP three-way handshake each way, for the link model. */
const SYN_BYTES = 60;
const NO_BYTES = { up: 0, down: 0 };
/** Handshake messages besides certificates: hellos, key exchange, verify, Finished, record headers. */
const HANDSHAKE_FIXED_BYTES = 400;
/** A resumed handshake: hellos with the session, ChangeCipherSpec and Finished. */
const RESUMED_HANDSHAKE_BYTES = { up: 250, down: 150 };

/** Where uplink bytes go once they crossed the link (see SendBatch). */
export interface UplinkSink {
  /** Bytes that crossed at once: the caller's buffer, to be copied. */
  stage(data: Uint8Array): void;
  /** A copy that crossed later. */
  post(chunk: Buffer): void;
}

/**
 * The device's link as one stream connection sees it (latency, rate, loss, partition, NAT idle
 * timeout): every byte each way, the TCP and TLS handshakes' round trips, and the end of the stream.
 */
export class StreamLink {
  private readonly flow: LinkFlow;

  constructor(
    private readonly link: Link,
    onNatExpired: () => void,
  ) {
    this.flow = link.flow('stream', onNatExpired);
  }

  /** Carries `data` up; on an ideal link it is staged at once, without a copy or a timer. */
  up(data: Uint8Array, sink: UplinkSink): void {
    if (this.flow.passThrough('up')) sink.stage(data);
    else {
      const chunk = Buffer.from(data);
      this.flow.send('up', data.length, () => sink.post(chunk));
    }
  }

  /** Carries `chunk` down to `deliver`. */
  down(chunk: Buffer, deliver: (chunk: Buffer) => void): void {
    if (this.flow.passThrough('down')) deliver(chunk);
    else this.flow.send('down', chunk.length, () => deliver(chunk));
  }

  /** The peer's FIN, behind everything it sent before. */
  downEnd(deliver: () => void): void {
    this.flow.send('down', 0, deliver);
  }

  /** The TCP three-way handshake: one round trip. */
  tcpHandshake(): Promise<void> {
    return this.flow.exchange(1, SYN_BYTES, SYN_BYTES);
  }

  /**
   * A completed TLS 1.2 handshake: two round trips for a full one, one for a resumed one. The ideal
   * link takes no time, so it needs no byte count (reading the certificates back is not free).
   */
  tlsHandshake(secure: tls.TLSSocket, resumed: boolean): Promise<void> {
    const { up, down } = this.link.ideal ? NO_BYTES : handshakeBytes(secure, resumed);
    return this.flow.exchange(resumed ? 1 : 2, up, down);
  }

  /** Drops everything in flight and stops the NAT timer. */
  close(): void {
    this.flow.close();
  }
}

/**
 * Bytes a completed handshake put on the link each way, for the link model: the fixed messages
 * plus the certificates each side sent (the peer's chain up to, not including, a self-signed root).
 */
function handshakeBytes(secure: tls.TLSSocket, resumed: boolean): { up: number; down: number } {
  if (resumed) return RESUMED_HANDSHAKE_BYTES;
  const own = secure.getCertificate();
  const up = HANDSHAKE_FIXED_BYTES + (own && 'raw' in own ? own.raw.length : 0);
  let down = HANDSHAKE_FIXED_BYTES;
  let cert: tls.DetailedPeerCertificate | undefined = secure.getPeerCertificate(true);
  const seen = new Set<tls.DetailedPeerCertificate>();
  while (cert?.raw && !seen.has(cert)) {
    seen.add(cert);
    const issuer: tls.DetailedPeerCertificate | undefined = cert.issuerCertificate;
    const selfSigned = issuer === cert || issuer?.fingerprint256 === cert.fingerprint256;
    if (selfSigned && seen.size > 1) break;
    down += cert.raw.length;
    if (selfSigned) break;
    cert = issuer;
  }
  return { up, down };
}
