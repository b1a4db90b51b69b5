import { secureRandomBytes } from '../../core/secure-random.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readJsonFile, writeFileAtomic } from '../../core/atomic-file.js';
import type { S3Credentials } from './sigv4.js';
import { createTlsMaterial, type S3TlsMaterial } from './tls.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The stand-in's access key (AWS-shaped: `AKIA` + 16 characters, 40-character secret), made once per
 * state directory. Key material comes from the system CSPRNG, not the simulation's seeded Random.
 */
export async function loadOrCreateCredentials(dir: string): Promise<S3Credentials> {
  const file = path.join(dir, 'credentials.json');
  const stored = await readJsonFile<S3Credentials>(file);
  if (stored?.accessKeyId && stored.secretAccessKey) return stored;
  const id = Array.from(secureRandomBytes(16), (b) => ALNUM[b % 32]).join('');
  const creds = { accessKeyId: `AKIA${id}`, secretAccessKey: secureRandomBytes(30).toString('base64') };
  await writeFileAtomic(file, `${JSON.stringify(creds, null, 2)}\n`, 0o600);
  return creds;
}

/** Paths of the PEM files in `<dir>/tls/`. */
export function tlsPaths(dir: string): {
  ca: string;
  caKey: string;
  cert: string;
  key: string;
  hosts: string;
} {
  const tls = path.join(dir, 'tls');
  return {
    ca: path.join(tls, 'ca.pem'),
    caKey: path.join(tls, 'ca-key.pem'),
    cert: path.join(tls, 'server.pem'),
    key: path.join(tls, 'server-key.pem'),
    hosts: path.join(tls, 'hosts.json'),
  };
}

/**
 * The HTTPS certificate and its CA, kept in `<dir>/tls/` so clients can trust the CA across
 * restarts; made anew when the host names the server must answer for change.
 */
export async function loadOrCreateTls(
  dir: string,
  hosts: readonly string[],
  now: number,
): Promise<S3TlsMaterial> {
  const p = tlsPaths(dir);
  const storedHosts = await readJsonFile<string[]>(p.hosts).catch(() => undefined);
  if (storedHosts && JSON.stringify(storedHosts) === JSON.stringify(hosts)) {
    try {
      const [caCert, caKey, cert, key] = await Promise.all(
        [p.ca, p.caKey, p.cert, p.key].map((f) => fs.readFile(f, 'utf8')),
      );
      return { caCert: caCert as string, caKey: caKey as string, cert: cert as string, key: key as string };
    } catch {
      // Incomplete set: make a new one.
    }
  }
  const m = createTlsMaterial(hosts, now);
  await writeFileAtomic(p.caKey, m.caKey, 0o600);
  await writeFileAtomic(p.key, m.key, 0o600);
  await writeFileAtomic(p.ca, m.caCert);
  await writeFileAtomic(p.cert, m.cert);
  await writeFileAtomic(p.hosts, `${JSON.stringify(hosts)}\n`);
  return m;
}
