/**
 * Cluster benchmark: connects/s and shadow round trips/s through the embedded stand-in (baseline),
 * one cluster node on Redis, and two cluster nodes on one Redis, in one run (bench/cluster-run.ts).
 * Starts its own redis-server (Debian's `redis-server`, no persistence) on a free port, or uses
 * BENCH_REDIS_URL. Prints one JSON object. Run with
 * `npm run build && npm run build:bench && node dist/bench/cluster.js`
 * (BENCH_THINGS, default 200; BENCH_ROUND_TRIPS, 20000; BENCH_CONNECTS, 1000).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { runClusterBench } from './cluster-run.js';

async function startRedis(): Promise<{ url: string; stop(): void }> {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not start (Debian package redis-server)');
}

const own = process.env.BENCH_REDIS_URL ? undefined : await startRedis();
try {
  const report = await runClusterBench({
    redisUrl: process.env.BENCH_REDIS_URL ?? own!.url,
    things: Number(process.env.BENCH_THINGS ?? 200),
    roundTrips: Number(process.env.BENCH_ROUND_TRIPS ?? 20_000),
    connects: Number(process.env.BENCH_CONNECTS ?? 1000),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  own?.stop();
}
