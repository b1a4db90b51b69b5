import { Random } from '../../core/random.js';
import { shareFraction } from './load.js';

/**
 * The devices a step touches: `count` of them, or `share` of the candidates (rounded, at least one
 * when the share is above 0), chosen with a generator seeded from the scenario seed and the step, so
 * the same seed picks the same devices every run. Without either, every candidate.
 */
export function chooseTargets(
  candidates: readonly string[],
  pick: { share?: number | string | undefined; count?: number | undefined },
  seed: string,
  stepIndex: number,
): string[] {
  let n = candidates.length;
  if (pick.count !== undefined) n = Math.min(pick.count, candidates.length);
  else if (pick.share !== undefined) {
    const f = shareFraction(pick.share);
    n = f <= 0 ? 0 : Math.max(1, Math.round(f * candidates.length));
  }
  if (n >= candidates.length) return [...candidates];
  return seededOrder(candidates, `${seed}:step:${stepIndex}`)
    .slice(0, n)
    .sort((a, b) => candidates.indexOf(a) - candidates.indexOf(b));
}

/** The candidates in an order shuffled by `seed` (Fisher–Yates): a FOTA campaign's stage order. */
export function seededOrder(candidates: readonly string[], seed: string): string[] {
  const rng = new Random(seed);
  const pool = [...candidates];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
  }
  return pool;
}
