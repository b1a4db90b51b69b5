/**
 * The long crash run: `nrf91sim broker` killed with SIGKILL at seeded random instants of a burst of
 * shadow updates and provisioning, restarted on the same state each time (bench/broker-crash-trial.ts
 * says what is checked). Prints one JSON object. Run with
 * `npm run build:bench && node dist/bench/broker-crash.js` (BENCH_CRASH_TRIALS, default 50).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCrashTrials } from './broker-crash-trial.js';

const trials = Number(process.env.BENCH_CRASH_TRIALS ?? 50);
const stateDir = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-crash-'));
try {
  const started = performance.now();
  const report = await runCrashTrials({
    stateDir,
    trials,
    seed: process.env.BENCH_CRASH_SEED ?? 'bench-crash',
  });
  process.stdout.write(
    `${JSON.stringify({ node: process.version, cpus: os.cpus().length, seconds: Math.round((performance.now() - started) / 1000), ...report, problems: report.problems.slice(0, 20) }, null, 2)}\n`,
  );
  if (report.problems.length) process.exitCode = 1;
} finally {
  await rm(stateDir, { recursive: true, force: true });
}
