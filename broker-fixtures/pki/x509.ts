// @peculiar/x509 reads decorator metadata at import time, so the polyfill must load first.
import 'reflect-metadata';
import { webcrypto, X509Certificate } from 'node:crypto';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** EC P-256 with SHA-256: the default key type everywhere (see DESIGN.md). */
export const P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export async function generateP256(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return pem('PRIVATE KEY', der);
}

export async function importPrivateKeyPem(text: string): Promise<CryptoKey> {
  const der = derFromPem(text, 'PRIVATE KEY');
  return webcrypto.subtle.importKey('pkcs8', der, P256, true, ['sign']);
}

export function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function derFromPem(text: string, label: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(text);
  if (!match?.[1]) throw new Error(`no ${label} block in PEM text`);
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

/**
 * AWS IoT's certificate id: the SHA-256 of the DER certificate, in lowercase hex (64 characters).
 */
export function certificateIdOf(cert: X509Certificate | string): string {
  const parsed = typeof cert === 'string' ? new X509Certificate(cert) : cert;
  return parsed.fingerprint256.replace(/:/g, '').toLowerCase();
}
