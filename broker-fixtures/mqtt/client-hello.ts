/**
 * Reads the ALPN offer of a TLS ClientHello before the TLS stack sees it (RFC 8446 §4.1.2, RFC 7301).
 * Node's `ALPNCallback` is not called when a client offers no ALPN at all, so a listener that must
 * refuse such clients at the handshake, as AWS IoT does on port 443, looks at the first bytes itself.
 */
export type AlpnOffer = { kind: 'incomplete' } | { kind: 'not-tls' } | { kind: 'offer'; protocols: string[] };

/** The largest ClientHello waited for: one TLS record (2^14 bytes) plus its header. */
export const MAX_CLIENT_HELLO_BYTES = 16384 + 5;

export function alpnOffer(bytes: Buffer): AlpnOffer {
  if (bytes.length < 5) return { kind: 'incomplete' };
  // TLSPlaintext: content type 22 (handshake), legacy version 3.x, length.
  if (bytes[0] !== 0x16 || bytes[1] !== 0x03) return { kind: 'not-tls' };
  const recordLength = bytes.readUInt16BE(3);
  if (bytes.length < 5 + recordLength) return { kind: 'incomplete' };
  const hello = bytes.subarray(5, 5 + recordLength);
  // Handshake header: type 1 (client_hello), 24-bit length.
  if (hello.length < 4 || hello[0] !== 0x01) return { kind: 'not-tls' };
  let at = 4 + 2 + 32; // legacy_version, random
  const need = (n: number): boolean => at + n <= hello.length;
  if (!need(1)) return { kind: 'not-tls' };
  at += 1 + hello[at]!; // legacy_session_id
  if (!need(2)) return { kind: 'not-tls' };
  at += 2 + hello.readUInt16BE(at); // cipher_suites
  if (!need(1)) return { kind: 'not-tls' };
  at += 1 + hello[at]!; // legacy_compression_methods
  if (!need(2)) return { kind: 'offer', protocols: [] }; // no extensions
  const end = Math.min(hello.length, at + 2 + hello.readUInt16BE(at));
  at += 2;
  while (at + 4 <= end) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    const data = hello.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    if (type !== 0x0010 || data.length < 2) continue; // application_layer_protocol_negotiation
    const protocols: string[] = [];
    for (let p = 2; p < data.length;) {
      const n = data[p]!;
      protocols.push(data.subarray(p + 1, p + 1 + n).toString('latin1'));
      p += 1 + n;
    }
    return { kind: 'offer', protocols };
  }
  return { kind: 'offer', protocols: [] };
}

/** A fatal `no_application_protocol` alert (RFC 7301 §3.2), as a TLS 1.2 record. */
export const NO_APPLICATION_PROTOCOL_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x78]);
