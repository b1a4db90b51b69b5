import { afterAll, beforeAll, describe } from 'vitest';
import { parseRedisUrl, RedisStore } from '../../broker-fixtures/index.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
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
