import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCrashTrials } from '../../bench/broker-crash-trial.js';
import { tempStateDir } from './broker-helpers.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// A few trials keep the suite quick; `node dist/bench/broker-crash.js` runs many (docs/durability.md).
describe('nrf91sim broker killed with SIGKILL during a burst', () => {
  it('keeps every acknowledged update and thing, never reissues a version, leaves no dangling reference', async () => {
    const stateDir = await tempStateDir();
    dirs.push(stateDir);
    const report = await runCrashTrials({ stateDir, trials: 3, seed: 'ci-crash' });
    expect(report.problems).toEqual([]);
    expect(report.acknowledgedUpdates).toBeGreaterThan(0);
    expect(report.acknowledgedThings).toBeGreaterThan(4);
  }, 120_000);
});
