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
  /** A one-change {@link commit}. */
  put<T>(collection: Collection, key: string, value: T): Promise<void>;
  /** A one-change {@link commit}; resolves to false (writing nothing) when the key did not exist. */
  delete(collection: Collection, key: string): Promise<boolean>;
  /** Resolves once every change committed before the call is durable. */
  flush(): Promise<void>;
  /** Flushes and releases the store; later calls are errors. */
  close(): Promise<void>;
}
