import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, isSimError, SimError } from '../../core/errors.js';
import { makeDirectory, prepareStateDir } from '../../core/state-dir.js';
import { checkS3State } from '../s3/state-check.js';
import { FileStore } from '../store/file-store.js';
import type { StateStore } from '../store/store.js';
import { removeAtomicWriteLeftovers } from './leftovers.js';
import { validateRecord } from './record-schema.js';
import { findDanglingReference } from './references.js';
import { StateLock } from './state-lock.js';

export interface OpenedBrokerState {
  store: StateStore;
  /** The broker's folder, `<stateDir>/broker`. */
  dir: string;
  /** Temporary files of interrupted atomic writes that were removed. */
  leftovers: string[];
  /** Closes the store and gives up the state directory. */
  close(): Promise<void>;
}

/**
 * Everything that happens to a state directory before a broker uses it, in this order: refuse an
 * unusable directory (NRF91SIM_PATH_UNWRITABLE), take the one-broker lock (NRF91SIM_STATE_IN_USE),
 * read and check every state file — records, references, the S3 stand-in's files — stopping with
 * NRF91SIM_STATE_CORRUPT before anything is written, and only then repair what a crash leaves
 * (a torn journal line, temporary files). `afterChecks` runs between the checks and the repair,
 * for checks that live elsewhere (the local CA).
 */
export async function openBrokerStateDir(options: {
  stateDir: string;
  store?: StateStore;
  clock: Clock;
  afterChecks?: (dir: string) => Promise<void>;
}): Promise<OpenedBrokerState> {
  const dir = path.join(options.stateDir, 'broker');
  await prepareStateDir(options.stateDir);
  try {
    await makeDirectory(dir);
  } catch (err) {
    throw new SimError(ErrorCode.PATH_UNWRITABLE, `cannot create ${dir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const lock = await StateLock.acquire(dir);
  let store: StateStore | undefined;
  try {
    store = options.store ?? (await FileStore.open({ dir, validate: validateRecord }));
    const dangling = await findDanglingReference(store);
    if (dangling) throw new SimError(ErrorCode.STATE_CORRUPT, `${store.location}: ${dangling}`);
    await checkS3State(path.join(options.stateDir, 's3'));
    await options.afterChecks?.(dir);
    const leftovers = await removeAtomicWriteLeftovers(dir, options.clock.now());
    if (store instanceof FileStore) await store.recover();
    const opened = store;
    return {
      store: opened,
      dir,
      leftovers,
      async close() {
        try {
          await opened.close();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (err) {
    if (store instanceof FileStore) await store.close().catch(() => undefined);
    await lock.release();
    if (isSimError(err)) throw err;
    throw new SimError(
      ErrorCode.PATH_UNWRITABLE,
      `cannot read the broker state in ${dir}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}
