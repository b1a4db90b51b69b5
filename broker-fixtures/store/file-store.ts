import path from 'node:path';
import { writeJsonAtomic, readJsonFile } from '../../core/atomic-file.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { MemoryStore } from './memory-store.js';
import type { Collection } from './store.js';

export interface FileStoreOptions {
  /** Folder for the collection files, e.g. `<state>/broker`. */
  dir: string;
  clock?: Clock;
  /**
   * Changes are written behind, at most this long after they happen, so a burst of shadow updates
   * costs one write per collection instead of one per update. `flush()` and `close()` write at once.
   */
  writeDelayMs?: number;
}

/**
 * One JSON file per collection (`things.json`, `shadows.json`, …), each replaced atomically, so a
 * power cut leaves the old or the new file, never a torn one. Reads come from memory.
 */
export class FileStore extends MemoryStore {
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly writeDelayMs: number;
  private readonly dirty = new Set<Collection>();
  private timer: TimerHandle | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(options: FileStoreOptions) {
    super();
    this.dir = options.dir;
    this.clock = options.clock ?? systemClock;
    this.writeDelayMs = options.writeDelayMs ?? 50;
  }

  file(collection: Collection): string {
    return path.join(this.dir, `${collection}.json`);
  }

  override async flush(): Promise<void> {
    this.timer?.cancel();
    this.timer = undefined;
    const pending = [...this.dirty];
    this.dirty.clear();
    const previous = this.writing;
    const next = previous.then(() => Promise.all(pending.map((c) => this.writeCollection(c)))).then(() => {});
    this.writing = next.catch(() => {});
    await next;
  }

  protected override changed(collection: Collection): void {
    this.dirty.add(collection);
    if (this.timer) return;
    this.timer = this.clock
      .setTimeout(() => {
        this.timer = undefined;
        this.flush().catch(() => {
          // The next flush or close reports the failure to its caller.
        });
      }, this.writeDelayMs)
      .unref();
  }

  protected override async loadCollection(collection: Collection): Promise<Map<string, unknown>> {
    const file = this.file(collection);
    let data: Record<string, unknown> | undefined;
    try {
      data = await readJsonFile<Record<string, unknown>>(file);
    } catch (err) {
      throw new SimError(ErrorCode.STATE_CORRUPT, `${file} is not valid JSON: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
      throw new SimError(ErrorCode.STATE_CORRUPT, `${file} does not hold a JSON object`);
    }
    return new Map(Object.entries(data ?? {}));
  }

  private async writeCollection(collection: Collection): Promise<void> {
    const table = this.collections.get(collection);
    if (!table) return;
    try {
      await writeJsonAtomic(this.file(collection), Object.fromEntries(table));
    } catch (err) {
      this.dirty.add(collection);
      throw new SimError(
        ErrorCode.PATH_UNWRITABLE,
        `cannot write ${this.file(collection)}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}
