import { webcrypto } from 'node:crypto';
import type forgeTypes from 'node-forge';
import type { CryptoKey } from '../pki/x509.js';

/** An RSA key pair in the PEM forms AWS IoT's CreateKeysAndCertificate returns. */
export interface RsaKeyPair {
  /** SubjectPublicKeyInfo, `-----BEGIN PUBLIC KEY-----`. */
  publicKeyPem: string;
  /** PKCS#1, `-----BEGIN RSA PRIVATE KEY-----`, as AWS hands it out. */
  privateKeyPem: string;
  /** The public key for the CA to certify. */
  publicKey: CryptoKey;
}

/**
 * An RSA-2048 key pair, as AWS IoT issues them. node-forge does the RSA and PEM side (it hands the
 * generation to node:crypto's native `generateKeyPair` when it can, so it does not block); the
 * certificate is signed by the stand-in's P-256 CA through @peculiar/x509, since node-forge has no
 * EC support at all.
 */
export async function generateRsaKeyPair(bits = 2048): Promise<RsaKeyPair> {
  // Loaded on first use: a broker that never hands out RSA keys does not pay for node-forge.
  const forge = (await import('node-forge')).default as typeof forgeTypes;
  const pair = await new Promise<forgeTypes.pki.rsa.KeyPair>((resolve, reject) =>
    forge.pki.rsa.generateKeyPair({ bits, e: 0x10001 }, (err, keys) => (err ? reject(err) : resolve(keys))),
  );
  // node-forge ends PEM lines with CRLF; AWS (and OpenSSL) use LF.
  const publicKeyPem = forge.pki.publicKeyToPem(pair.publicKey).replace(/\r\n/g, '\n');
  const privateKeyPem = forge.pki.privateKeyToPem(pair.privateKey).replace(/\r\n/g, '\n');
  const spki = Buffer.from(forge.asn1.toDer(forge.pki.publicKeyToAsn1(pair.publicKey)).getBytes(), 'binary');
  const publicKey = await webcrypto.subtle.importKey(
    'spki',
    spki,
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    true,
    ['verify'],
  );
  return { publicKeyPem, privateKeyPem, publicKey };
}
