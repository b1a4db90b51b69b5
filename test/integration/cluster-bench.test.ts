import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClusterBench } from '../../bench/cluster-run.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { missingTools, tools } from '../helpers/system-tools.js';

const skip = missingTools(tools.redisServer);

// The cluster bench with tiny numbers: it must run end to end; figures are never asserted on.
describe.skipIf(skip !== undefined)('bench/cluster, small N', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('measures the embedded stand-in, one cluster node and two cluster nodes in one run', async () => {
    const report = await runClusterBench({ redisUrl: redis.url, things: 4, roundTrips: 40, connects: 8 });
    for (const key of ['baseline', 'clusterOneNode', 'clusterTwoNodes']) {
      expect(report[key]).toMatchObject({
        connectsPerSecond: expect.any(Number),
        roundTripsPerSecond: expect.any(Number),
      });
    }
    expect(report.clusterTwoNodes).toMatchObject({ nodes: 2, store: 'redis' });
    expect(report.baseline).toMatchObject({ nodes: 1, store: 'file' });
  }, 120_000);
});
