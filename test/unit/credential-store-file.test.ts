import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { FileCredentialBackend } from '../../modem/credentials/file-backend.js';
import { CredentialStore } from '../../modem/credentials/store.js';
import { describeCredentialStore } from './credential-store-conformance.js';
import { crlf, expectedSha, testPki } from './credential-fixtures.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-credentials-'));
let n = 0;
const freshFile = (): string => path.join(root, `device-${n++}`, 'credentials.json');

afterAll(() => fs.rm(root, { recursive: true, force: true }));

// Every reopen is a new backend over the same file, as a restarted process would have.
describeCredentialStore('file backend', async () => {
  const file = freshFile();
  return { backend: () => new FileCredentialBackend(file) };
});

describe('file backend on disk', () => {
  it('keeps PEM text readable in a 0600 JSON file and leaves no temporary files', async () => {
    const file = freshFile();
    const pki = await testPki();
    const store = await CredentialStore.open(new FileCredentialBackend(file));
    await store.put({ secTag: 42, type: 1, content: crlf(pki.clientCertPem) });
    const stat = await fs.stat(file);
    expect(stat.mode & 0o777).toBe(0o600);
    const json = JSON.parse(await fs.readFile(file, 'utf8')) as { version: number; credentials: unknown[] };
    expect(json.version).toBe(1);
    expect(json.credentials).toEqual([
      expect.objectContaining({ secTag: 42, type: 1, content: crlf(pki.clientCertPem) }),
    ]);
    expect(await fs.readdir(path.dirname(file))).toEqual(['credentials.json']);
  });

  it('refuses to open a corrupt file instead of starting empty', async () => {
    const file = freshFile();
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, '{"version": 1, "credentials": [');
    await expect(CredentialStore.open(new FileCredentialBackend(file))).rejects.toMatchObject({
      code: ErrorCode.STATE_CORRUPT,
    });
    await fs.writeFile(file, '{"version": 1, "credentials": [{"secTag": "x"}]}');
    await expect(CredentialStore.open(new FileCredentialBackend(file))).rejects.toMatchObject({
      code: ErrorCode.STATE_CORRUPT,
    });
  });

  it('lists the hash of the content on disk, even after a hand edit', async () => {
    const file = freshFile();
    await fs.mkdir(path.dirname(file), { recursive: true });
    const body = { version: 1, credentials: [{ secTag: 4, type: 4, content: 'edited', sha256: 'STALE' }] };
    await fs.writeFile(file, JSON.stringify(body));
    const store = await CredentialStore.open(new FileCredentialBackend(file));
    expect(store.info(4, 4)?.sha256).toBe(expectedSha('edited'));
  });
});
