import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { secureRandomBytes } from '../../core/secure-random.js';
import { isIP } from 'node:net';

/**
 * A minimal local CA for the S3 stand-in's HTTPS listener: a P-256 root and one server certificate
 * with the names clients use. X.509 is written as DER by hand (node:crypto signs but cannot build
 * certificates, and node-forge has no EC support).
 */

function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), len(content.length), content]);
const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content);
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0]));

function integer(b: Buffer): Buffer {
  let v = b;
  while (v.length > 1 && v[0] === 0 && (v[1] as number) < 0x80) v = v.subarray(1);
  if ((v[0] as number) >= 0x80) v = Buffer.concat([Buffer.from([0]), v]);
  return tlv(0x02, v);
}

function oid(text: string): Buffer {
  const parts = text.split('.').map(Number);
  const out = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(ms: number): Buffer {
  const d = new Date(ms);
  const s = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(s.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(s, 'ascii'));
}

const name = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(cn, 'utf8')))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

function keyId(key: KeyObject): Buffer {
  // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the last 65 bytes for P-256).
  const spki = key.export({ type: 'spki', format: 'der' });
  return createHash('sha1')
    .update(spki.subarray(spki.length - 65))
    .digest();
}

function altName(host: string): Buffer {
  if (isIP(host) === 4) return tlv(0x87, Buffer.from(host.split('.').map(Number)));
  if (isIP(host) === 6) {
    const full = host.includes('::') ? expandV6(host) : host;
    return tlv(
      0x87,
      Buffer.from(full.split(':').flatMap((h) => [parseInt(h, 16) >> 8, parseInt(h, 16) & 0xff])),
    );
  }
  return tlv(0x82, Buffer.from(host, 'ascii'));
}

function expandV6(host: string): string {
  const [head = '', tail = ''] = host.split('::');
  const a = head ? head.split(':') : [];
  const b = tail ? tail.split(':') : [];
  return [...a, ...Array(8 - a.length - b.length).fill('0'), ...b].join(':');
}

function certificate(o: {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signer: KeyObject;
  issuerKey: KeyObject;
  now: number;
  days: number;
  ca: boolean;
  hosts?: readonly string[];
}): string {
  const extensions = [
    extension('2.5.29.19', true, o.ca ? seq(bool(true)) : seq()),
    extension('2.5.29.15', true, o.ca ? bits(Buffer.from([0x86]), 1) : bits(Buffer.from([0x80]), 7)),
    extension('2.5.29.14', false, octets(keyId(o.publicKey))),
    ...(o.ca ? [] : [extension('2.5.29.35', false, seq(tlv(0x80, keyId(o.issuerKey))))]),
    ...(o.ca ? [] : [extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1')))]),
    ...(o.hosts?.length ? [extension('2.5.29.17', false, seq(...o.hosts.map(altName)))] : []),
  ];
  const serial = secureRandomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_SHA256,
    name(o.issuer),
    seq(time(o.now - 86_400_000), time(o.now + o.days * 86_400_000)),
    name(o.subject),
    o.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const der = seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, o.signer)));
  const b64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export interface S3TlsMaterial {
  /** The root certificate clients trust (`curl --cacert`, a modem sec tag). */
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

/** Creates a root CA and a server certificate for `hosts` (DNS names, wildcards, IP literals). */
export function createTlsMaterial(hosts: readonly string[], now: number): S3TlsMaterial {
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caName = 'nrf91sim S3 stand-in root CA';
  const caCert = certificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    issuerKey: ca.publicKey,
    now,
    days: 3650,
    ca: true,
  });
  const cert = certificate({
    subject: hosts[0] ?? 'localhost',
    issuer: caName,
    publicKey: server.publicKey,
    signer: ca.privateKey,
    issuerKey: ca.publicKey,
    now,
    days: 825,
    ca: false,
    hosts,
  });
  const pem = (k: KeyObject): string => k.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { caCert, caKey: pem(ca.privateKey), cert, key: pem(server.privateKey) };
}
