import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import {
  encodeChange,
  JournalDamage,
  journalHeader,
  journalLine,
  readJournal,
  type JournalContents,
} from './journal.js';
import { readLegacyFiles } from './legacy-files.js';
import { MemoryStore } from './memory-store.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import type { Collection, StateChange } from './store.js';

/** Says what is wrong with one record (e.g. `principals: expected an array of strings`), or undefined. */
export type RecordValidator = (collection: Collection, key: string, value: unknown) => string | undefined;

export interface FileStoreOptions {
  /** Folder of `state.json` and `journal.log`, e.g. `<state>/broker`. */
  dir: string;
  /** Checks every record as it is loaded; a record it refuses stops the open with STATE_CORRUPT. */
  validate?: RecordValidator;
  /** Journal size past which the whole state is written as a new snapshot (default 8 MiB). */
  compactBytes?: number;
}

interface Queued {
  seq: number;
  line: Buffer;
  resolve(): void;
  reject(err: Error): void;
}

/** What {@link FileStore.recover} has to do before the first write; found while loading. */
interface Recovery {
  /** State read from per-collection files of an earlier version: write it as a snapshot. */
  migrate: string[];
  /** No usable journal (none yet, or only a torn header): write a fresh one. */
  newJournal: boolean;
  /** Bytes of the journal to keep: a torn last line (never acknowledged) is cut off. */
  truncateTo?: number;
}

const PRIVATE = 0o600;
/** The journal grows ahead by this much zero-filled space (see journal.ts). */
const GROWTH_BYTES = 1024 * 1024;
/** fsyncs in flight at once (one finishing while the next batch is written and synced). */
const MAX_SYNCS = 2;

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The embedded durable store: memory for reads, and on disk a journal (`journal.log`) that every
 * commit is appended to and fsync'd before it resolves, plus a snapshot (`state.json`) the journal
 * is folded into when it grows. Commits that arrive while a write is under way share the next
 * write and fsync (group commit), so a burst of shadow updates costs a few fsyncs, not one each.
 * A commit is one journal line, so its changes survive a crash together or not at all.
 *
 * {@link open} only reads: a corrupt file stops it with STATE_CORRUPT before anything is changed.
 * {@link recover} (run before the first write) then cuts a torn last line and migrates old files.
 */
export class FileStore extends MemoryStore {
  override readonly location: string;
  readonly snapshotFile: string;
  readonly journalFile: string;
  private readonly compactBytes: number;
  private sequence = 0;
  /** Bytes of the journal in use; the file is `allocated` bytes long, zeros past this. */
  private journalSize = 0;
  private allocated = 0;
  private handle: fs.FileHandle | undefined;
  private queue: Queued[] = [];
  /** Written, waiting for an fsync. */
  private written: Queued[] = [];
  private syncing = 0;
  private readonly syncs = new Set<Promise<void>>();
  private writer: Promise<void> | undefined;
  private last: Promise<void> | undefined;
  private recovery: Recovery = { migrate: [], newJournal: false };
  private recovered: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    compactBytes: number,
  ) {
    super();
    this.snapshotFile = path.join(dir, 'state.json');
    this.journalFile = path.join(dir, 'journal.log');
    this.location = `${this.snapshotFile} + ${this.journalFile}`;
    this.compactBytes = compactBytes;
  }

  /** Loads and checks the state in `options.dir` without changing anything on disk. */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    const store = new FileStore(options.dir, options.compactBytes ?? 8 * 1024 * 1024);
    await store.load(options.validate ?? (() => undefined));
    return store;
  }

  private corrupt(file: string, problem: string): SimError {
    return new SimError(ErrorCode.STATE_CORRUPT, `${file}: ${problem}`);
  }

  private async load(validate: RecordValidator): Promise<void> {
    const check = (
      file: string,
      where: string,
      collection: Collection,
      key: string,
      value: unknown,
    ): void => {
      const problem = validate(collection, key, value);
      if (problem) throw this.corrupt(file, `${where}${collection}[${JSON.stringify(key)}]: ${problem}`);
    };
    const [snapshotBytes, journalBytes] = await Promise.all([
      readOptional(this.snapshotFile),
      readOptional(this.journalFile),
    ]);
    if (snapshotBytes === undefined && journalBytes === undefined) {
      const legacy = await readLegacyFiles(this.dir);
      if ('problem' in legacy) throw this.corrupt(legacy.file, legacy.problem);
      for (const [collection, table] of legacy.tables) {
        for (const [key, value] of table)
          check(path.join(this.dir, `${collection}.json`), '', collection, key, value);
        this.tables.set(collection, table);
      }
      this.recovery = { migrate: legacy.files, newJournal: true };
      return;
    }
    if (snapshotBytes !== undefined) {
      const snapshot = decodeSnapshot(snapshotBytes.toString('utf8'));
      if (typeof snapshot === 'string') throw this.corrupt(this.snapshotFile, snapshot);
      for (const [collection, table] of snapshot.collections) {
        for (const [key, value] of table) check(this.snapshotFile, 'collections.', collection, key, value);
        this.tables.set(collection, table);
      }
      this.sequence = snapshot.sequence;
    }
    if (journalBytes === undefined) {
      this.recovery.newJournal = true;
      return;
    }
    let journal: JournalContents;
    try {
      journal = readJournal(journalBytes);
    } catch (err) {
      if (err instanceof JournalDamage) throw this.corrupt(this.journalFile, err.message);
      throw err;
    }
    for (const record of journal.records) {
      if (record.seq <= this.sequence) continue; // already folded into the snapshot
      if (record.seq !== this.sequence + 1) {
        throw this.corrupt(
          this.journalFile,
          `line ${record.line}: record ${record.seq} follows record ${this.sequence}; records are missing`,
        );
      }
      for (const change of record.changes) {
        if (!('deleted' in change))
          check(
            this.journalFile,
            `line ${record.line} (record ${record.seq}): `,
            change.collection,
            change.key,
            change.value,
          );
      }
      this.apply(record.changes);
      this.sequence = record.seq;
    }
    this.journalSize = journal.validBytes;
    if (journal.validBytes === 0) this.recovery.newJournal = true;
    else if (journal.tornTail) this.recovery.truncateTo = journal.validBytes;
  }

  /** Repairs what a crash may leave (a torn last journal line) and migrates old files; runs once. */
  recover(): Promise<void> {
    return (this.recovered ??= this.runRecovery());
  }

  private async runRecovery(): Promise<void> {
    const { migrate, newJournal, truncateTo } = this.recovery;
    if (migrate.length)
      await writeFileAtomic(this.snapshotFile, encodeSnapshot(this.sequence, this.tables), PRIVATE);
    if (newJournal) {
      await writeFileAtomic(this.journalFile, journalHeader(), PRIVATE);
      this.journalSize = Buffer.byteLength(journalHeader());
    } else if (truncateTo !== undefined) {
      const handle = await fs.open(this.journalFile, 'r+');
      try {
        await handle.truncate(truncateTo);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    }
    for (const file of migrate) await fs.rm(file, { force: true });
    await this.openJournal();
  }

  private async openJournal(): Promise<void> {
    this.handle = await fs.open(this.journalFile, 'r+');
    this.allocated = (await this.handle.stat()).size;
  }

  /** Zero-fills the journal ahead of `needed` bytes; the size change is fsync'd once per chunk. */
  private async grow(needed: number): Promise<void> {
    if (needed <= this.allocated) return;
    const length = Math.max(GROWTH_BYTES, needed - this.allocated);
    const zeros = Buffer.alloc(length);
    for (let off = 0; off < length;) {
      off += (await this.handle!.write(zeros, off, length - off, this.allocated + off)).bytesWritten;
    }
    await this.handle!.sync();
    this.allocated += length;
  }

  protected override persist(changes: readonly StateChange[]): Promise<void> {
    let encoded: string[];
    try {
      encoded = changes.map(encodeChange);
    } catch (err) {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `cannot store the change: ${(err as Error).message}`);
    }
    const seq = ++this.sequence;
    const line = Buffer.from(journalLine(seq, encoded), 'utf8');
    const pending = new Promise<void>((resolve, reject) => this.queue.push({ seq, line, resolve, reject }));
    this.last = pending;
    this.kick();
    return pending;
  }

  override flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.last ?? Promise.resolve();
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    let failed: unknown;
    await this.flush().catch((err: unknown) => (failed = err));
    while (this.writer || this.syncs.size) await Promise.all([this.writer, ...this.syncs]);
    this.closed = true;
    await this.handle?.close();
    this.handle = undefined;
    if (failed) throw failed;
  }

  private kick(): void {
    if (this.writer || this.failure) return;
    const done = (): void => {
      this.writer = undefined;
      this.kick();
    };
    if (this.journalSize > this.compactBytes) {
      // Compaction waits for the fsyncs in flight; the last one to finish kicks again.
      if (this.syncing > 0) return;
      this.writer = this.compact()
        .catch((err: unknown) => this.fail(err))
        .finally(done);
      return;
    }
    if (!this.queue.length || this.syncing >= MAX_SYNCS) return;
    this.writer = this.pump()
      .catch((err: unknown) => this.fail(err))
      .finally(done);
  }

  /**
   * The group commit loop: everything queued since the last write goes in one write, and its fsync
   * runs while the next batch gathers. Up to {@link MAX_SYNCS} fsyncs overlap: when one returns,
   * every line written before it started is on disk, so commits resolve in order.
   */
  private async pump(): Promise<void> {
    await this.recover();
    while (
      this.queue.length &&
      this.syncing < MAX_SYNCS &&
      !this.failure &&
      this.journalSize <= this.compactBytes
    ) {
      const batch = this.queue;
      this.queue = [];
      this.written.push(...batch);
      const bytes = batch.length === 1 ? batch[0]!.line : Buffer.concat(batch.map((q) => q.line));
      await this.grow(this.journalSize + bytes.length);
      for (let off = 0; off < bytes.length;) {
        off += (await this.handle!.write(bytes, off, bytes.length - off, this.journalSize + off))
          .bytesWritten;
      }
      this.journalSize += bytes.length;
      const upTo = batch[batch.length - 1]!.seq;
      this.syncing++;
      const sync = this.handle!.datasync().then(
        () => {
          this.syncing--;
          this.settle(upTo);
          this.kick();
        },
        (err: unknown) => {
          this.syncing--;
          this.fail(err);
        },
      );
      this.syncs.add(sync);
      void sync.then(() => this.syncs.delete(sync));
    }
  }

  /** Resolves every written commit up to `seq`, oldest first. */
  private settle(seq: number): void {
    let n = 0;
    while (n < this.written.length && this.written[n]!.seq <= seq) n++;
    for (const q of this.written.splice(0, n)) q.resolve();
  }

  private fail(err: unknown): void {
    this.failure ??= new SimError(
      ErrorCode.PATH_UNWRITABLE,
      `cannot write the broker state in ${this.dir}: ${(err as Error).message}; nothing more is accepted until the broker is restarted`,
      { cause: err },
    );
    for (const q of [...this.written, ...this.queue]) q.reject(this.failure);
    this.written = [];
    this.queue = [];
  }

  /** Folds the journal into a new snapshot, then starts an empty journal. */
  private async compact(): Promise<void> {
    // Everything applied so far, including commits still queued: the snapshot makes them durable.
    const cut = this.sequence;
    await writeFileAtomic(this.snapshotFile, encodeSnapshot(cut, this.tables), PRIVATE);
    const covered = this.queue.filter((q) => q.seq <= cut);
    this.queue = this.queue.filter((q) => q.seq > cut);
    for (const q of covered) q.resolve();
    await this.handle?.close();
    this.handle = undefined;
    await writeFileAtomic(this.journalFile, journalHeader(), PRIVATE);
    this.journalSize = Buffer.byteLength(journalHeader());
    await this.openJournal();
  }
}
