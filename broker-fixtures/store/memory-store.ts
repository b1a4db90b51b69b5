import { ErrorCode, SimError } from '../../core/errors.js';
import type { Collection, StateStore } from './store.js';

/** A store that lives and dies with the process; also the cache under {@link FileStore}. */
export class MemoryStore implements StateStore {
  protected readonly collections = new Map<Collection, Map<string, unknown>>();
  protected closed = false;

  async get<T>(collection: Collection, key: string): Promise<T | undefined> {
    return (await this.table(collection)).get(key) as T | undefined;
  }

  async list<T>(collection: Collection): Promise<Array<[string, T]>> {
    return [...(await this.table(collection))] as Array<[string, T]>;
  }

  async put<T>(collection: Collection, key: string, value: T): Promise<void> {
    (await this.table(collection)).set(key, value);
    this.changed(collection);
  }

  async delete(collection: Collection, key: string): Promise<boolean> {
    const existed = (await this.table(collection)).delete(key);
    if (existed) this.changed(collection);
    return existed;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Called after every change; the file store schedules a write here. */
  protected changed(_collection: Collection): void {}

  /** Loads a collection on first use; the memory store starts empty. */
  protected async loadCollection(_collection: Collection): Promise<Map<string, unknown>> {
    return new Map();
  }

  private async table(collection: Collection): Promise<Map<string, unknown>> {
    if (this.closed) throw new SimError(ErrorCode.INVALID_STATE, 'the broker state store is closed');
    let table = this.collections.get(collection);
    if (!table) {
      table = await this.loadCollection(collection);
      // Another caller may have loaded it while this one awaited.
      const raced = this.collections.get(collection);
      if (raced) return raced;
      this.collections.set(collection, table);
    }
    return table;
  }
}
