import { createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { createLocalCa, loadOrCreateLocalCa } from '../../modem/credentials/local-ca.js';
import { loadCredentialManifest, provisionNrfCloud } from '../../modem/credentials/provision.js';
import { CredentialStore } from '../../modem/credentials/store.js';
import { expectedSha, testPki } from './credential-fixtures.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-provision-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));
const NOW = Date.UTC(2024, 5, 1);

describe('nRF Cloud provisioning', () => {
  it('writes the CA, a client certificate issued by it for nrf-<IMEI>, and the matching key at 16842753', async () => {
    const ca = await createLocalCa('Test CA', NOW);
    const store = CredentialStore.inMemory();
    expect(await provisionNrfCloud(store, { ca, clientId: 'nrf-352656100123454', now: NOW })).toEqual([
      0, 1, 2,
    ]);
    expect(store.list().map((i) => `${i.secTag},${i.type}`)).toEqual([
      '16842753,0',
      '16842753,1',
      '16842753,2',
    ]);
    const caCert = new X509Certificate(store.read(16842753, 0).content);
    const cert = new X509Certificate(store.read(16842753, 1).content);
    expect(caCert.ca).toBe(true);
    expect(cert.subject).toBe('CN=nrf-352656100123454');
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(store.read(16842753, 2).content))).toBe(true);
    expect(new Date(cert.validFrom).getTime()).toBeLessThanOrEqual(NOW);
  });

  it('keeps what is already there, so the certificate is stable from boot to boot', async () => {
    const ca = await createLocalCa('Test CA', NOW);
    const store = CredentialStore.inMemory();
    await provisionNrfCloud(store, { ca, clientId: 'nrf-1', now: NOW });
    const before = store.list();
    expect(await provisionNrfCloud(store, { ca, clientId: 'nrf-1', now: NOW })).toEqual([]);
    expect(store.list()).toEqual(before);
    await store.delete(16842753, 2);
    expect(await provisionNrfCloud(store, { ca, clientId: 'nrf-1', now: NOW })).toEqual([1, 2]);
    expect(store.info(16842753, 1)?.sha256).not.toBe(before[1]?.sha256);
  });

  it('creates the local CA once (key file 0600) and reuses it', async () => {
    const dir = path.join(root, 'ca');
    const first = await loadOrCreateLocalCa(dir, NOW);
    const second = await loadOrCreateLocalCa(dir, NOW);
    expect(second).toEqual(first);
    expect((await fs.stat(path.join(dir, 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    await fs.rm(path.join(dir, 'ca-key.pem'));
    await expect(loadOrCreateLocalCa(dir, NOW)).rejects.toMatchObject({ code: ErrorCode.STATE_CORRUPT });
  });
});

describe('credential manifest', () => {
  it('reads files relative to the manifest byte for byte, inline content and type names', async () => {
    const pki = await testPki();
    const dir = path.join(root, 'manifest');
    await fs.mkdir(dir, { recursive: true });
    const caCrlf = pki.caPem.replace(/\n/g, '\r\n');
    await fs.writeFile(path.join(dir, 'ca.pem'), caCrlf);
    const file = path.join(dir, 'creds.json');
    await fs.writeFile(
      file,
      JSON.stringify([
        { secTag: 42, type: 'ROOT_CA_CERT', file: 'ca.pem' },
        { secTag: 42, type: 4, content: 'my-identity' },
      ]),
    );
    const inputs = await loadCredentialManifest(file);
    expect(inputs).toEqual([
      { secTag: 42, type: 0, content: caCrlf },
      { secTag: 42, type: 4, content: 'my-identity' },
    ]);
    const store = CredentialStore.inMemory();
    for (const input of inputs) await store.put(input);
    expect(store.info(42, 0)?.sha256).toBe(expectedSha(caCrlf));
  });

  it('says what is wrong with a bad manifest', async () => {
    const file = path.join(root, 'bad.json');
    for (const body of [
      '{}',
      '[{"secTag": 1, "type": "NOPE", "content": "x"}]',
      '[{"secTag": 1, "type": 4}]',
      'nope',
    ]) {
      await fs.writeFile(file, body);
      await expect(loadCredentialManifest(file)).rejects.toMatchObject({ code: ErrorCode.INVALID_ARGUMENT });
    }
  });
});
