import 'reflect-metadata';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { EC_P256, generateP256Key, importP256Key } from './csr.js';

const DAY_MS = 86_400_000;

/** A certificate authority kept as two PEM files: what signs device certificates for provisioning. */
export interface LocalCa {
  certPem: string;
  keyPem: string;
}

export interface IssuedCredentials {
  certPem: string;
  keyPem: string;
}

/** A self-signed P-256 CA certificate valid for ten years from `now` (epoch ms, from the Clock). */
export async function createLocalCa(commonName: string, now: number): Promise<LocalCa> {
  const key = await generateP256Key();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: [{ CN: [commonName] }, { O: ['nrf91sim'] }],
      keys: key.keys,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 3650 * DAY_MS),
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { certPem: `${cert.toString('pem')}\n`, keyPem: key.privateKeyPem };
}

/** A P-256 key and a client certificate for `commonName`, signed by `ca`. */
export async function issueDeviceCertificate(
  ca: LocalCa,
  commonName: string,
  now: number,
): Promise<IssuedCredentials> {
  const caCert = new x509.X509Certificate(ca.certPem);
  const key = await generateP256Key();
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: [{ CN: [commonName] }],
      issuer: caCert.subject,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 3650 * DAY_MS),
      publicKey: key.keys.publicKey,
      signingKey: (await importP256Key(ca.keyPem)).privateKey,
      signingAlgorithm: EC_P256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return { certPem: `${cert.toString('pem')}\n`, keyPem: key.privateKeyPem };
}

/**
 * The CA in `dir` (`ca.pem`, `ca-key.pem`), created on first use. The key file is written 0600, both
 * atomically; a half-present pair is an error rather than silently replaced.
 */
export async function loadOrCreateLocalCa(dir: string, now: number): Promise<LocalCa> {
  const certFile = path.join(dir, 'ca.pem');
  const keyFile = path.join(dir, 'ca-key.pem');
  const read = (file: string): Promise<string | undefined> =>
    fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
  const [certPem, keyPem] = await Promise.all([read(certFile), read(keyFile)]);
  if (certPem !== undefined && keyPem !== undefined) return { certPem, keyPem };
  if (certPem !== undefined || keyPem !== undefined) {
    throw new SimError(
      ErrorCode.STATE_CORRUPT,
      `${dir} holds only one of ca.pem and ca-key.pem; restore or delete it`,
    );
  }
  const ca = await createLocalCa('nrf91sim local CA', now);
  await writeFileAtomic(keyFile, ca.keyPem, 0o600);
  await writeFileAtomic(certFile, ca.certPem);
  return ca;
}
