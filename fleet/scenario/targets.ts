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
  const rng = new Random(`${seed}:step:${stepIndex}`);
  const pool = [...candidates];
  // Fisher–Yates: the first n of a seeded shuffle.
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
  }
  return pool.slice(0, n).sort((a, b) => candidates.indexOf(a) - candidates.indexOf(b));
}
