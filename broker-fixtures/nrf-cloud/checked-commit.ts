import { ErrorCode, SimError } from '../../core/errors.js';
import type { StateChange, StateExpectation, StateStore } from '../store/store.js';

/** One try of a read-modify-write: what was read (`expect`), what to write, what to hand back. */
export interface CheckedAttempt<T> {
  expect: StateExpectation[];
  changes: StateChange[];
  result: T;
}

const ATTEMPTS = 50;

/**
 * Runs `attempt` (which reads, then says what to write) until its changes go in with every record
 * still as it read them ({@link StateStore.commitIf}): on a store shared by broker nodes, two nodes
 * changing one record never both win, the loser reads again. An attempt with no changes is done at
 * once. Resolves once the winning changes are durable.
 */
export async function commitChecked<T>(
  store: StateStore,
  what: string,
  attempt: () => Promise<CheckedAttempt<T>>,
): Promise<T> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const { expect, changes, result } = await attempt();
    if (changes.length === 0) return result;
    const commit = store.commitIf(expect, changes);
    if (await commit.applied) {
      await commit.durable;
      return result;
    }
  }
  throw new SimError(ErrorCode.STATE_UNREACHABLE, `${what}: other writers kept changing it, try again`);
}
