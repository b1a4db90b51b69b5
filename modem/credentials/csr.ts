import 'reflect-metadata';
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { ErrorCode, SimError } from '../../core/errors.js';

/**
 * What `%KEYGEN` makes inside the modem: a P-256 key pair from real randomness, and either a PKCS#10
 * CSR signed with it or its SubjectPublicKeyInfo (nRF91 AT ref %KEYGEN).
 */

type KeyPair = webcrypto.CryptoKeyPair;

/** WebCrypto parameters of ECDSA P-256 with SHA-256 (ES256), for keys, CSRs and certificates. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Key usage a real nRF9160 puts in a CSR when `<key_usage>` is omitted: `03 02 03 E8`, i.e.
 * digitalSignature, nonRepudiation, keyEncipherment, keyAgreement (decoded from device output).
 */
export const DEFAULT_KEY_USAGE = '111010000';

/** Short names `<attributes>` may use, mapped to the names @peculiar/x509 knows; dotted OIDs pass as is. */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  C: 'C',
  ST: 'ST',
  L: 'L',
  O: 'O',
  OU: 'OU',
  CN: 'CN',
  SERIALNUMBER: '2.5.4.5',
  DNQUALIFIER: '2.5.4.46',
  EMAILADDRESS: 'E',
  E: 'E',
};

function invalid(reason: string): SimError {
  return new SimError(ErrorCode.CREDENTIAL_INVALID, reason);
}

/**
 * Parses `<attributes>` (`"O=Nordic Semiconductor,L=Trondheim,CN=<imei>"`) into subject RDNs in the
 * order written. A comma inside a value is escaped as `\,`.
 */
export function parseSubjectAttributes(text: string): x509.JsonName {
  const parts = text.split(/(?<!\\),/);
  return parts.map((part) => {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).replace(/\\,/g, ',');
    const name = ATTRIBUTE_NAMES[key.toUpperCase()] ?? (/^\d+(\.\d+)+$/.test(key) ? key : undefined);
    if (eq <= 0 || !name || value.length === 0)
      throw invalid(`subject attribute ${JSON.stringify(part)} is not NAME=value`);
    return { [name]: [value] };
  });
}

/** `<key_usage>`: nine 0/1 characters, digitalSignature first (RFC 5280 §4.2.1.3 bit order). */
export function parseKeyUsage(bits: string): x509.KeyUsageFlags {
  if (!/^[01]{9}$/.test(bits)) throw invalid(`key usage ${JSON.stringify(bits)} is not nine 0/1 digits`);
  let flags = 0;
  for (let i = 0; i < 9; i++) if (bits[i] === '1') flags |= 1 << i;
  return flags;
}

export interface GeneratedKey {
  keys: KeyPair;
  /** PKCS#8 PEM of the private key, as the store keeps it. */
  privateKeyPem: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`;
}

/** A fresh P-256 key pair. */
export async function generateP256Key(): Promise<GeneratedKey> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as KeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, privateKeyPem: pem('PRIVATE KEY', pkcs8) };
}

/** Imports a stored PKCS#8 PEM private key together with its public half. */
export async function importP256Key(privateKeyPem: string): Promise<KeyPair> {
  const key = createPrivateKey(privateKeyPem);
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  const pkcs8 = key.export({ format: 'der', type: 'pkcs8' });
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', pkcs8, EC_P256, true, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', spki, EC_P256, true, ['verify']),
  };
}

/** DER SubjectPublicKeyInfo of a key pair. */
export async function keyPairSpkiDer(keys: KeyPair): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
}

/** A DER PKCS#10 request for `subject`, with a keyUsage extension request, signed ECDSA-SHA256. */
export async function buildCsr(
  keys: KeyPair,
  subject: x509.JsonName,
  keyUsage: x509.KeyUsageFlags,
): Promise<Buffer> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: new x509.Name(subject),
      keys,
      signingAlgorithm: EC_P256,
      extensions: [new x509.KeyUsagesExtension(keyUsage)],
    },
    webcrypto,
  );
  return Buffer.from(csr.rawData);
}
