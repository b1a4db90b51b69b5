import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';

/**
 * What the process entry point (`cli/main.ts`) hands every command: the clock and a source of fresh
 * randomness. Commands never pick the host's own, so the same commands run on any clock and seed.
 */
export interface CliEnv {
  readonly clock: Clock;
  /** A generator no other run shares: demo thing names, default job ids, a stand-in without `--seed`. */
  fresh(): Random;
}
