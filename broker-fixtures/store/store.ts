/**
 * Where the stand-in keeps what must survive a restart: registry records, shadows, jobs, retained
 * messages. Values are plain JSON. Callers treat a value they read as immutable and `put` a new one
 * to change it, so an implementation may hand out the object it holds.
 *
 * The embedded default is {@link FileStore} (a journal and a snapshot under `<state>/broker/`); the
 * interface is asynchronous so that a shared store (Redis, for several broker nodes) can take its
 * place without touching the services. Every implementation passes the conformance suite in
 * `test/unit/state-store-conformance.ts`.
 */
export type Collection =
  | 'things'
  | 'certificates'
  | 'policies'
  | 'cas'
  | 'templates'
  | 'shadows'
  | 'shadow-tombstones'
  | 'retained'
  | 'thing-groups'
  | 'jobs'
  | 'job-executions'
  | 'nrfcloud-account'
  | 'nrfcloud-devices'
  | 'nrfcloud-shadows'
  | 'nrfcloud-messages'
  | 'nrfcloud-firmwares'
  | 'nrfcloud-jobs'
  | 'nrfcloud-executions'
  | 'nrfcloud-bulk-ops';

export const COLLECTIONS: readonly Collection[] = [
  'things',
  'certificates',
  'policies',
  'cas',
  'templates',
  'shadows',
  'shadow-tombstones',
  'retained',
  'thing-groups',
  'jobs',
  'job-executions',
  'nrfcloud-account',
  'nrfcloud-devices',
  'nrfcloud-shadows',
  'nrfcloud-messages',
  'nrfcloud-firmwares',
  'nrfcloud-jobs',
  'nrfcloud-executions',
  'nrfcloud-bulk-ops',
];

export function isCollection(name: string): name is Collection {
  return (COLLECTIONS as readonly string[]).includes(name);
}

/** One record written (`value`) or removed (`deleted`). */
export type StateChange =
  | { collection: Collection; key: string; value: unknown }
  | { collection: Collection; key: string; deleted: true };

/**
 * A record as the caller read it, for {@link StateStore.commitIf}: `value` undefined means the
 * record must not exist. Values are compared as their JSON text.
 */
export interface StateExpectation {
  collection: Collection;
  key: string;
  value: unknown;
}

/** What {@link StateStore.commitIf} did, in two steps a caller may wait for separately. */
export interface ConditionalCommit {
  /**
   * True when every expectation held and the changes were applied; false (nothing written) when
   * another writer changed an expected record first. Settles as soon as the store knows: at once
   * for an embedded store, on the shared store's answer for a shared one.
   */
  applied: Promise<boolean>;
  /** Resolves once applied changes are durable (at once when nothing was applied). */
  durable: Promise<void>;
}

/** A change another writer (another broker node on a shared store) made. */
export interface ExternalChange {
  collection: Collection;
  key: string;
}

/**
 * The rules every implementation keeps:
 * - `commit` is atomic: after a crash either every change of the call is there or none is.
 * - A change is visible to every `get`/`list` issued after the call that made it returned, before its
 *   promise settles (the services read their own writes while the write is still on its way).
 * - A `commit`, `put` or `delete` resolves only once its changes are durable (fsync'd, replicated…):
 *   callers acknowledge to clients after that, never before.
 * - Changes become durable in call order: when one has resolved, every earlier one is durable too.
 * - After a failed write the store refuses every later change (its memory may be ahead of its disk);
 *   the broker must be restarted.
 */
export interface StateStore {
  /** Where the state lives, for messages (`/x/broker/journal.log`, `memory`, …). */
  readonly location: string;
  get<T>(collection: Collection, key: string): Promise<T | undefined>;
  /** Every record of a collection, in insertion order. */
  list<T>(collection: Collection): Promise<Array<[key: string, value: T]>>;
  /** Applies all `changes` or none of them; resolves once they are durable. */
  commit(changes: readonly StateChange[]): Promise<void>;
  /**
   * The compare-and-set the services build their read-modify-write on (shadow versions, job
   * execution numbers and expectedVersion): `changes` are applied, atomically with the check, only
   * when every record in `expect` is still what the caller read. On a shared store the check runs
   * inside the store (a Redis script), so two broker nodes can never both win. A caller that gets
   * `applied` false reads again and retries. The same visibility and ordering rules as `commit`.
   */
  commitIf(expect: readonly StateExpectation[], changes: readonly StateChange[]): ConditionalCommit;
  /**
   * Calls `listener` with the records other writers change (other broker nodes sharing the store),
   * so caches such as the registry's authorization revision can follow. Embedded stores have no
   * other writers and never call it. Returns the function that stops the calls.
   */
  watch(listener: (changes: readonly ExternalChange[]) => void): () => void;
  /** A one-change {@link commit}. */
  put<T>(collection: Collection, key: string, value: T): Promise<void>;
  /** A one-change {@link commit}; resolves to false (writing nothing) when the key did not exist. */
  delete(collection: Collection, key: string): Promise<boolean>;
  /** Resolves once every change committed before the call is durable. */
  flush(): Promise<void>;
  /** Flushes and releases the store; later calls are errors. */
  close(): Promise<void>;
}
