import { ErrorCode, SimError } from '../../core/errors.js';
import {
  isCollection,
  type Collection,
  type ConditionalCommit,
  type ExternalChange,
  type StateChange,
  type StateExpectation,
  type StateStore,
} from './store.js';

/** Checks a change list before anything of it is applied, so a bad change leaves nothing behind. */
export function checkChanges(changes: readonly StateChange[]): void {
  if (!Array.isArray(changes) || changes.length === 0) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, 'a state commit needs at least one change');
  }
  for (const change of changes) {
    if (!isCollection(change.collection)) {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `unknown state collection ${String(change.collection)}`);
    }
    if (typeof change.key !== 'string' || change.key === '') {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `a ${change.collection} record needs a non-empty key`);
    }
    if (!('deleted' in change) && change.value === undefined) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `${change.collection}/${change.key}: undefined is not a JSON value`,
      );
    }
  }
}

/** Checks the expectations of a conditional commit, as {@link checkChanges} does its changes. */
export function checkExpectations(expect: readonly StateExpectation[]): void {
  if (!Array.isArray(expect)) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, 'a conditional commit needs a list of expectations');
  }
  for (const e of expect) {
    if (!isCollection(e.collection)) {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `unknown state collection ${String(e.collection)}`);
    }
    if (typeof e.key !== 'string' || e.key === '') {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `a ${e.collection} expectation needs a non-empty key`);
    }
  }
}

/** Whether a stored value is the one expected, compared as JSON text (undefined: absent). */
export function sameRecord(stored: unknown, expected: unknown): boolean {
  if (stored === expected) return true;
  if (stored === undefined || expected === undefined) return false;
  return JSON.stringify(stored) === JSON.stringify(expected);
}

/** A conditional commit refused before anything was tried (bad input, closed store). */
export function refusedCommit(err: unknown): ConditionalCommit {
  const failed = Promise.reject(err as Error);
  const durable = failed.then(() => undefined);
  // The caller may await only `applied`; the failure is reported there.
  durable.catch(() => undefined);
  return { applied: failed, durable };
}

/** A store that lives and dies with the process; also the cache under {@link FileStore}. */
export class MemoryStore implements StateStore {
  readonly location: string = 'memory';
  protected readonly tables = new Map<Collection, Map<string, unknown>>();
  protected closed = false;
  /** Set when a write failed: the store refuses changes from then on. */
  protected failure: SimError | undefined;

  get<T>(collection: Collection, key: string): Promise<T | undefined> {
    try {
      return Promise.resolve(this.table(collection).get(key) as T | undefined);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  list<T>(collection: Collection): Promise<Array<[string, T]>> {
    try {
      return Promise.resolve([...this.table(collection)] as Array<[string, T]>);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  commit(changes: readonly StateChange[]): Promise<void> {
    try {
      return this.begin(changes);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Starts a commit; throws (having applied nothing) when the changes are refused. */
  private begin(changes: readonly StateChange[]): Promise<void> {
    this.usable();
    checkChanges(changes);
    const pending = this.persist(changes);
    // Applied after `persist` accepted the changes (it may refuse them, e.g. not serialisable), and
    // before returning, so later reads see them at once.
    this.apply(changes);
    return pending;
  }

  commitIf(expect: readonly StateExpectation[], changes: readonly StateChange[]): ConditionalCommit {
    let durable: Promise<void>;
    try {
      this.usable();
      checkExpectations(expect);
      checkChanges(changes);
      // One process is the only writer: the check and the change happen in the same turn.
      for (const e of expect) {
        if (!sameRecord(this.tableOf(e.collection).get(e.key), e.value)) {
          return { applied: Promise.resolve(false), durable: Promise.resolve() };
        }
      }
      durable = this.begin(changes);
    } catch (err) {
      return refusedCommit(err);
    }
    durable.catch(() => undefined);
    return { applied: Promise.resolve(true), durable };
  }

  watch(_listener: (changes: readonly ExternalChange[]) => void): () => void {
    return () => undefined;
  }

  put<T>(collection: Collection, key: string, value: T): Promise<void> {
    return this.commit([{ collection, key, value }]);
  }

  delete(collection: Collection, key: string): Promise<boolean> {
    let existed: boolean;
    try {
      existed = this.table(collection).has(key);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (!existed) return Promise.resolve(false);
    return this.commit([{ collection, key, deleted: true }]).then(() => true);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
  }

  /** Hands the changes to durable storage; the memory store has none. Throws to refuse them. */
  protected persist(_changes: readonly StateChange[]): Promise<void> {
    return Promise.resolve();
  }

  protected apply(changes: readonly StateChange[]): void {
    for (const change of changes) {
      const table = this.tableOf(change.collection);
      if ('deleted' in change) table.delete(change.key);
      else {
        // Re-inserting moves nothing: a Map keeps the first insertion's place, as `list` promises.
        table.set(change.key, change.value);
      }
    }
  }

  protected tableOf(collection: Collection): Map<string, unknown> {
    let table = this.tables.get(collection);
    if (!table) {
      table = new Map();
      this.tables.set(collection, table);
    }
    return table;
  }

  private usable(): void {
    if (this.closed) throw new SimError(ErrorCode.INVALID_STATE, 'the broker state store is closed');
    if (this.failure) throw this.failure;
  }

  private table(collection: Collection): Map<string, unknown> {
    if (this.closed) throw new SimError(ErrorCode.INVALID_STATE, 'the broker state store is closed');
    if (!isCollection(collection)) {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `unknown state collection ${String(collection)}`);
    }
    return this.tableOf(collection);
  }
}
