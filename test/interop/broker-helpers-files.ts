import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BrokerFixtures } from '../../broker-fixtures/index.js';
import type { ThingCredentials } from '../integration/broker-helpers.js';

/** Writes a thing's certificate and key and the CA to files, as third-party clients want them. */
export async function credentialFiles(
  fixtures: BrokerFixtures,
  creds: ThingCredentials,
): Promise<{ cert: string; key: string; ca: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-creds-'));
  const files = {
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
    ca: path.join(dir, 'ca.pem'),
  };
  await writeFile(files.cert, creds.cert);
  await writeFile(files.key, creds.key, { mode: 0o600 });
  await writeFile(files.ca, fixtures.ca.certificatePem);
  return files;
}
