/**
 * Where the stand-in keeps what must survive a restart: registry records, shadows, retained
 * messages. Values are plain JSON. Callers treat a value they read as immutable and `put` a new one
 * to change it, so an implementation may hand out the object it holds.
 *
 * The embedded default is {@link FileStore} (one JSON file per collection under `<state>/broker/`);
 * the interface is asynchronous so that a shared store (Redis, for several broker nodes) can take its
 * place without touching the services.
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
  | 'job-executions';

export interface StateStore {
  get<T>(collection: Collection, key: string): Promise<T | undefined>;
  /** Every record of a collection, in insertion order. */
  list<T>(collection: Collection): Promise<Array<[key: string, value: T]>>;
  put<T>(collection: Collection, key: string, value: T): Promise<void>;
  /** Resolves to false when the key did not exist. */
  delete(collection: Collection, key: string): Promise<boolean>;
  /** Makes every earlier `put`/`delete` durable. */
  flush(): Promise<void>;
  /** Flushes and releases the store; later calls are errors. */
  close(): Promise<void>;
}
