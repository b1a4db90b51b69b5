import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../broker-fixtures/s3/store.js';
import { VirtualClock } from '../../core/clock.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-s3-cache-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));

describe('the S3 object store keeps read objects in memory, never stale', () => {
  it('serves an object from memory after the first read, and the new content once replaced', async () => {
    const dir = path.join(root, 'a');
    const store = new ObjectStore(dir, new VirtualClock());
    await store.createBucket('fw-bucket');
    await store.putObject('fw-bucket', 'app.bin', Buffer.alloc(4096, 1));
    const first = await store.headObject('fw-bucket', 'app.bin');
    expect(first?.content?.equals(Buffer.alloc(4096, 1))).toBe(true);
    // Same size, other bytes: through this store, and through another one on the same folder (a
    // second process), the next read sees the new object.
    await store.putObject('fw-bucket', 'app.bin', Buffer.alloc(4096, 2));
    expect((await store.headObject('fw-bucket', 'app.bin'))?.content?.[0]).toBe(2);
    const other = new ObjectStore(dir, new VirtualClock());
    await other.putObject('fw-bucket', 'app.bin', Buffer.alloc(4096, 3));
    expect((await store.headObject('fw-bucket', 'app.bin'))?.content?.[0]).toBe(3);
    await other.deleteObject('fw-bucket', 'app.bin');
    expect(await store.headObject('fw-bucket', 'app.bin')).toBeUndefined();
  });

  it('does not keep objects over 16 MB: those are streamed from the file', async () => {
    const store = new ObjectStore(path.join(root, 'b'), new VirtualClock());
    await store.createBucket('fw-bucket');
    await store.putObject('fw-bucket', 'big.bin', Buffer.alloc(16 * 1024 * 1024 + 1, 7));
    const found = await store.headObject('fw-bucket', 'big.bin');
    expect(found?.size).toBe(16 * 1024 * 1024 + 1);
    expect(found?.content).toBeUndefined();
  });
});
