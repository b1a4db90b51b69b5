import 'reflect-metadata';
import { createHash, generateKeyPairSync, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * Test PKI made with @peculiar/x509 and node:crypto directly (not with the simulator's own CA code), so
 * the store is checked against material it did not produce.
 */
export interface TestPki {
  caPem: string;
  caKey: webcrypto.CryptoKey;
  /** A second, unrelated CA, for chains. */
  otherCaPem: string;
  clientCertPem: string;
  /** PKCS#8 PEM of the client key. */
  clientKeyPem: string;
  /** SEC1 `EC PRIVATE KEY` PEM preceded by an `EC PARAMETERS` block, as `openssl ecparam -genkey` writes. */
  sec1KeyPem: string;
  /** PKCS#8 key encrypted with the password `secret`. */
  encryptedKeyPem: string;
  publicKeyPem: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function selfSigned(cn: string): Promise<{ pem: string; keys: webcrypto.CryptoKeyPair }> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${cn}`,
      keys,
      signingAlgorithm: EC,
      notBefore: new Date(Date.UTC(2024, 0, 1)),
      notAfter: new Date(Date.UTC(2034, 0, 1)),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    },
    webcrypto,
  );
  return { pem: cert.toString('pem'), keys };
}

let cached: Promise<TestPki> | undefined;

export function testPki(): Promise<TestPki> {
  cached ??= (async () => {
    const ca = await selfSigned('Test Root CA');
    const other = await selfSigned('Other Root CA');
    const client = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const clientKeyPem = client.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const publicKey = await webcrypto.subtle.importKey(
      'spki',
      client.publicKey.export({ format: 'der', type: 'spki' }),
      EC,
      true,
      ['verify'],
    );
    const cert = await x509.X509CertificateGenerator.create(
      {
        subject: 'CN=test-device',
        issuer: 'CN=Test Root CA',
        publicKey,
        signingKey: ca.keys.privateKey,
        signingAlgorithm: EC,
        notBefore: new Date(Date.UTC(2024, 0, 1)),
        notAfter: new Date(Date.UTC(2034, 0, 1)),
      },
      webcrypto,
    );
    const sec1 = client.privateKey.export({ format: 'pem', type: 'sec1' }).toString();
    return {
      caPem: ca.pem,
      caKey: ca.keys.privateKey,
      otherCaPem: other.pem,
      clientCertPem: cert.toString('pem'),
      clientKeyPem,
      sec1KeyPem: `-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n${sec1}`,
      encryptedKeyPem: client.privateKey
        .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' })
        .toString(),
      publicKeyPem: client.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
  })();
  return cached;
}

/** PEM text with CRLF line ends, as Windows tools and the nRF Connect cert manager send it. */
export function crlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** SHA-256 of the bytes as written, uppercase: what nrfcredstore compares `%CMNG=1` against. */
export function expectedSha(content: string): string {
  return createHash('sha256').update(Buffer.from(content, 'latin1')).digest('hex').toUpperCase();
}

/** A PEM block with lines cut out of its body: still looks like PEM, but the DER inside is truncated. */
export function corruptPem(pem: string): string {
  const lines = pem.split('\n');
  lines.splice(2, 3);
  return lines.join('\n');
}
