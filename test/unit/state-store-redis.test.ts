import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSimError } from '../../core/errors.js';
import { parseRedisUrl, RedisStore } from '../../broker-fixtures/index.js';
import { startRedis, startUnixRedis, type TestRedis } from '../helpers/redis-server.js';
import { missingTools, tools } from '../helpers/system-tools.js';
import { describeStateStore } from './state-store-conformance.js';

const skip = missingTools(tools.redisServer);
let redis: TestRedis | undefined;
let n = 0;

describe.skipIf(skip !== undefined)('RedisStore', () => {
  beforeAll(async () => {
    redis = await startRedis();
  }, 30_000);
  afterAll(async () => {
    await redis?.stop();
  });

  // Each location a fresh key prefix on the same Redis: reopening reads the same keys again.
  describeStateStore('redis', async () => {
    const prefix = `conformance-${++n}`;
    const location = parseRedisUrl(redis!.url);
    let writers = 0;
    const open = () => RedisStore.open({ location, prefix, writer: `node-${++writers}` });
    return { open, openPeer: open, durable: true };
  });
});

describe('parseRedisUrl', () => {
  it('reads host, port, db, credentials and Unix sockets, and hides the password in messages', () => {
    expect(parseRedisUrl('redis://10.0.0.10:6390/3').options).toMatchObject({
      host: '10.0.0.10',
      port: 6390,
      db: 3,
    });
    expect(parseRedisUrl('redis://localhost').options).toMatchObject({
      host: 'localhost',
      port: 6379,
      db: 0,
    });
    const secret = parseRedisUrl('rediss://user:s3cret@redis.example.com:6380/1');
    expect(secret.options).toMatchObject({ username: 'user', password: 's3cret', tls: {}, db: 1 });
    expect(secret.display).not.toContain('s3cret');
    expect(parseRedisUrl('unix:///run/redis/redis.sock?db=2').options).toMatchObject({
      path: '/run/redis/redis.sock',
      db: 2,
    });
  });

  it('refuses what is not a Redis location with INVALID_ARGUMENT', () => {
    for (const bad of ['localhost:6379', 'http://localhost:6379', 'redis://host:6379/x', 'unix://']) {
      expect(() => parseRedisUrl(bad), bad).toThrow(
        expect.objectContaining({ code: 'NRF91SIM_INVALID_ARGUMENT' }),
      );
    }
  });
});

describe.skipIf(skip !== undefined)('RedisStore edges', () => {
  let unix: (TestRedis & { socket: string }) | undefined;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-redis-'));
    unix = await startUnixRedis(dir);
  }, 30_000);
  afterAll(async () => {
    await unix?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('works over a Unix socket', async () => {
    const store = await RedisStore.open({ location: parseRedisUrl(unix!.url), writer: 'u' });
    await store.put('things', 'u1', { thingName: 'u1' });
    expect(await store.get('things', 'u1')).toEqual({ thingName: 'u1' });
    await store.close();
  });

  it('reports a record that is not JSON as STATE_CORRUPT, and an unreachable Redis as STATE_UNREACHABLE', async () => {
    const raw = new Redis({ path: unix!.socket });
    await raw.hset('bad:state:things', 'x', '{not json');
    await raw.zadd('bad:order:things', 1, 'x');
    await raw.quit();
    const store = await RedisStore.open({ location: parseRedisUrl(unix!.url), writer: 'u', prefix: 'bad' });
    expect(
      isSimError(await store.get('things', 'x').catch((e: unknown) => e), 'NRF91SIM_STATE_CORRUPT'),
    ).toBe(true);
    expect(isSimError(await store.list('things').catch((e: unknown) => e), 'NRF91SIM_STATE_CORRUPT')).toBe(
      true,
    );
    await store.close();
    const gone = await RedisStore.open({
      location: parseRedisUrl(`unix://${dir}/no-such.sock`),
      writer: 'u',
    }).catch((e: unknown) => e);
    expect(isSimError(gone, 'NRF91SIM_STATE_UNREACHABLE')).toBe(true);
  });
});
