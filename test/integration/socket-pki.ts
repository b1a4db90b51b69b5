import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** Certificates made in the test with @peculiar/x509 (P-256), not with the simulator's own CA code. */
export interface SocketPki {
  caPem: string;
  /** An unrelated CA: trusting it must not make the server's certificate valid. */
  otherCaPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const NOT_BEFORE = new Date(Date.UTC(2024, 0, 1));
const NOT_AFTER = new Date(Date.UTC(2044, 0, 1));

async function keys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

async function ca(cn: string): Promise<{ pem: string; keys: webcrypto.CryptoKeyPair }> {
  const k = await keys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: `CN=${cn}`,
      keys: k,
      signingAlgorithm: EC,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    },
    webcrypto,
  );
  return { pem: cert.toString('pem'), keys: k };
}

async function leaf(
  issuer: { keys: webcrypto.CryptoKeyPair },
  issuerName: string,
  cn: string,
  san?: x509.JsonGeneralNames,
): Promise<{ certPem: string; keyPem: string }> {
  const k = await keys();
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${cn}`,
      issuer: `CN=${issuerName}`,
      publicKey: k.publicKey,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: EC,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      extensions: san ? [new x509.SubjectAlternativeNameExtension(san)] : [],
    },
    webcrypto,
  );
  return { certPem: cert.toString('pem'), keyPem: await keyPem(k.privateKey) };
}

let cached: Promise<SocketPki> | undefined;

export function socketPki(): Promise<SocketPki> {
  cached ??= (async () => {
    const root = await ca('Socket Test Root');
    const other = await ca('Unrelated Root');
    const server = await leaf(root, 'Socket Test Root', 'localhost', [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ]);
    const client = await leaf(root, 'Socket Test Root', 'test-device-42');
    return {
      caPem: root.pem,
      otherCaPem: other.pem,
      serverCertPem: server.certPem,
      serverKeyPem: server.keyPem,
      clientCertPem: client.certPem,
      clientKeyPem: client.keyPem,
    };
  })();
  return cached;
}
