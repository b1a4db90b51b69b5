import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import type { CredentialBackend } from '../../modem/credentials/backend.js';
import { CredentialStore, type CredentialStoreOptions } from '../../modem/credentials/store.js';
import type { StoredCredential } from '../../modem/credentials/types.js';
import { corruptPem, crlf, expectedSha, testPki, type TestPki } from './credential-fixtures.js';

/**
 * One storage location for the suite: `backend()` returns a backend over it, a new instance each call
 * where the kind allows (a file backend reopens the file), so reopening stands for a reboot.
 */
export interface StorageLocation {
  backend(): CredentialBackend;
}

const limits = { maxItemBytes: 4096, maxTotalBytes: 12 * 1024 };

/**
 * The contract every credential backend passes, run through the store (the aedes-persistence
 * pattern: one abstract suite, one short file per backend).
 */
export function describeCredentialStore(kind: string, makeLocation: () => Promise<StorageLocation>): void {
  describe(`credential store conformance: ${kind}`, () => {
    let pki: TestPki;
    let location: StorageLocation;
    const open = (options: CredentialStoreOptions = {}): Promise<CredentialStore> =>
      CredentialStore.open(location.backend(), { limits, ...options });

    beforeAll(async () => {
      pki = await testPki();
    });
    beforeEach(async () => {
      location = await makeLocation();
    });

    it('starts empty and lists nothing', async () => {
      const store = await open();
      expect(store.list()).toEqual([]);
      expect(store.usage()).toEqual({ items: 0, bytes: 0 });
    });

    it('keeps content byte for byte, CRLF included, and lists the SHA-256 of the bytes as written', async () => {
      const content = crlf(pki.caPem);
      const store = await open();
      await store.put({ secTag: 42, type: 0, content });
      expect(store.list()).toEqual([
        { secTag: 42, type: 0, origin: 'user', sha256: expectedSha(content), size: content.length },
      ]);
      expect(store.read(42, 0).content).toBe(content);
      expect(expectedSha(content)).not.toBe(expectedSha(pki.caPem));
    });

    it('survives a reopen with content, password and origin intact', async () => {
      const store = await open();
      await store.put({ secTag: 7, type: 2, content: pki.encryptedKeyPem, password: 'secret' });
      await store.put({ secTag: 7, type: 4, content: 'caf\xe9-identity' });
      await store.put({ secTag: 8, type: 2, content: pki.clientKeyPem, origin: 'keygen' });
      const reopened = await open();
      expect(reopened.list()).toEqual(store.list());
      expect(reopened.read(7, 2)).toMatchObject({ content: pki.encryptedKeyPem, password: 'secret' });
      expect(reopened.read(7, 4).content).toBe('caf\xe9-identity');
      expect(reopened.info(8, 2)?.origin).toBe('keygen');
    });

    it('replaces an item written again at the same sec tag and type', async () => {
      const store = await open();
      await store.put({ secTag: 1, type: 4, content: 'first' });
      await store.put({ secTag: 1, type: 4, content: 'second' });
      const reopened = await open();
      expect(reopened.list()).toHaveLength(1);
      expect(reopened.read(1, 4).content).toBe('second');
      expect(reopened.info(1, 4)?.sha256).toBe(expectedSha('second'));
    });

    it('lists by sec tag, then type, and filters by either', async () => {
      const store = await open();
      await store.put({ secTag: 300, type: 4, content: 'c' });
      await store.put({ secTag: 20, type: 4, content: 'b' });
      await store.put({ secTag: 20, type: 3, content: '00ff' });
      await store.put({ secTag: 2147483647, type: 0, content: pki.caPem });
      const keys = (items: { secTag: number; type: number }[]): string[] =>
        items.map((i) => `${i.secTag},${i.type}`);
      expect(keys(store.list())).toEqual(['20,3', '20,4', '300,4', '2147483647,0']);
      expect(keys(store.list({ secTag: 20 }))).toEqual(['20,3', '20,4']);
      expect(keys(store.list({ secTag: 20, type: 4 }))).toEqual(['20,4']);
      expect(store.list({ secTag: 21 })).toEqual([]);
    });

    it('deletes items durably and reports a missing one as not found', async () => {
      const store = await open();
      await store.put({ secTag: 5, type: 4, content: 'id' });
      await store.delete(5, 4);
      await expect(store.delete(5, 4)).rejects.toMatchObject({ code: ErrorCode.CREDENTIAL_NOT_FOUND });
      expect((await open()).list()).toEqual([]);
    });

    it('refuses malformed content and keeps the store as it was', async () => {
      const store = await open();
      await store.put({ secTag: 9, type: 0, content: pki.caPem });
      const before = store.list();
      for (const [type, content] of [
        [0, corruptPem(pki.caPem)],
        [1, 'not a certificate'],
        [2, pki.caPem],
        [3, 'xyz'],
      ] as const) {
        await expect(store.put({ secTag: 9, type, content })).rejects.toMatchObject({
          code: ErrorCode.CREDENTIAL_INVALID,
        });
      }
      for (const bad of [
        { secTag: -1, type: 4 as const, content: 'x' },
        { secTag: 1, type: 4 as const, content: 'euro \u20ac' },
        { secTag: 1, type: 4 as const, content: 'a "quoted" id' },
      ]) {
        await expect(store.put(bad)).rejects.toMatchObject({ code: ErrorCode.CREDENTIAL_INVALID });
      }
      expect(store.list()).toEqual(before);
      expect((await open()).list()).toEqual(before);
    });

    it('enforces the per-credential budget', async () => {
      const store = await open();
      await store.put({ secTag: 1, type: 4, content: 'x'.repeat(4096) });
      await expect(store.put({ secTag: 2, type: 4, content: 'x'.repeat(4097) })).rejects.toMatchObject({
        code: ErrorCode.CREDENTIAL_TOO_LARGE,
      });
      expect(store.list().map((i) => i.secTag)).toEqual([1]);
    });

    it('enforces the total budget, counting a replaced item once', async () => {
      const store = await open();
      for (const tag of [1, 2, 3]) await store.put({ secTag: tag, type: 4, content: 'y'.repeat(4096) });
      await expect(store.put({ secTag: 4, type: 4, content: 'z' })).rejects.toMatchObject({
        code: ErrorCode.CREDENTIAL_STORE_FULL,
      });
      await store.put({ secTag: 3, type: 4, content: 'w'.repeat(4096) });
      expect(store.usage()).toEqual({ items: 3, bytes: 12 * 1024 });
      await store.delete(1, 4);
      await store.put({ secTag: 4, type: 4, content: 'z' });
      expect((await open()).list().map((i) => i.secTag)).toEqual([2, 3, 4]);
    });

    it('runs concurrent writes one at a time and loses none', async () => {
      const store = await open();
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => store.put({ secTag: i, type: 4, content: `id-${i}` })),
      );
      expect((await open()).list()).toHaveLength(12);
    });

    it('writes factory credentials into a fresh location only', async () => {
      const factory = [{ secTag: 16842753, type: 0 as const, content: pki.caPem }];
      const first = await open({ factory });
      expect(first.list().map((i) => i.secTag)).toEqual([16842753]);
      await first.delete(16842753, 0);
      expect((await open({ factory })).list()).toEqual([]);
    });

    it('never exports a private key the modem generated, but keeps it for the modem', async () => {
      const store = await open();
      await store.put({ secTag: 3, type: 2, content: pki.clientKeyPem, origin: 'keygen' });
      expect(() => store.read(3, 2)).toThrow(
        expect.objectContaining({ code: ErrorCode.CREDENTIAL_NOT_READABLE }),
      );
      expect(store.material(3, 2)?.content).toBe(pki.clientKeyPem);
      expect(() => store.read(3, 1)).toThrow(
        expect.objectContaining({ code: ErrorCode.CREDENTIAL_NOT_FOUND }),
      );
    });

    it('leaves the store unchanged when the backend fails to save', async () => {
      const inner = location.backend();
      let fail = false;
      const flaky: CredentialBackend = {
        kind: inner.kind,
        load: () => inner.load(),
        save: (items: readonly StoredCredential[]) =>
          fail ? Promise.reject(new Error('EIO')) : inner.save(items),
      };
      const store = await CredentialStore.open(flaky, { limits });
      await store.put({ secTag: 1, type: 4, content: 'kept' });
      fail = true;
      await expect(store.put({ secTag: 2, type: 4, content: 'lost' })).rejects.toThrow('EIO');
      await expect(store.delete(1, 4)).rejects.toThrow('EIO');
      expect(store.list().map((i) => i.secTag)).toEqual([1]);
      fail = false;
      await store.put({ secTag: 3, type: 4, content: 'after' });
      expect((await open()).list().map((i) => i.secTag)).toEqual([1, 3]);
    });
  });
}
