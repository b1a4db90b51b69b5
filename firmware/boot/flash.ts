import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { PagedBytes } from './flash-pages.js';

export { ERASED } from './flash-pages.js';

/** Where a flash area keeps its bytes between runs. */
export interface FlashStorage {
  load(area: string): Promise<Buffer | undefined>;
  /** Replaces the stored area atomically: a power cut leaves the old or the new content. */
  store(area: string, data: Buffer): Promise<void>;
  /**
   * Stores bytes `off..off+len` of `data` (the whole area) after one flash operation, not the whole
   * partition again. Optional; `store(area, data.toBuffer())` is used without it.
   */
  storeRange?(area: string, data: PagedBytes, off: number, len: number): Promise<void>;
  /** The stored area as pages of `pageSize` bytes, read without a buffer of the whole area. */
  loadPaged?(area: string, pageSize: number): Promise<PagedBytes | undefined>;
}

/**
 * Flash that lives as long as the process (tests, devices without a state directory). Areas are
 * kept as shared pages: an erased page costs nothing, an image held by many devices is held once.
 */
export class MemoryFlashStorage implements FlashStorage {
  private readonly files = new Map<string, Buffer>();
  private readonly areas = new Map<string, PagedBytes>();
  async load(area: string): Promise<Buffer | undefined> {
    const paged = this.areas.get(area);
    if (paged) return paged.toBuffer();
    const data = this.files.get(area);
    return data ? Buffer.from(data) : undefined;
  }
  async loadPaged(area: string, pageSize: number): Promise<PagedBytes | undefined> {
    const paged = this.areas.get(area);
    if (paged?.pageSize === pageSize) return paged.clone();
    const data = await this.load(area);
    return data ? PagedBytes.from(data, pageSize) : undefined;
  }
  async store(area: string, data: Buffer): Promise<void> {
    this.areas.delete(area);
    this.files.set(area, Buffer.from(data));
  }
  async storeRange(area: string, data: PagedBytes): Promise<void> {
    this.files.delete(area);
    this.areas.set(area, data.clone());
  }
}

/** One raw file per area, e.g. `<dir>/mcuboot_primary.bin`: a flash dump tools like imgtool can read. */
export class DirectoryFlashStorage implements FlashStorage {
  constructor(readonly dir: string) {}
  file(area: string): string {
    return path.join(this.dir, area.includes('.') ? area : `${area}.bin`);
  }
  async load(area: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(this.file(area));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  async store(area: string, data: Buffer | PagedBytes): Promise<void> {
    await writeFileAtomic(this.file(area), data instanceof PagedBytes ? data.chunks() : data);
  }
  /** Reads the file a page at a time into shared pages: no buffer of the whole area. */
  async loadPaged(area: string, pageSize: number): Promise<PagedBytes | undefined> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file(area), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      const paged = PagedBytes.erased(size, pageSize);
      const page = Buffer.alloc(pageSize);
      for (let off = 0; off < size; off += pageSize) {
        const len = Math.min(pageSize, size - off);
        const { bytesRead } = await handle.read(page, 0, len, off);
        if (bytesRead < len) throw new Error(`${this.file(area)}: short read at ${off}`);
        paged.program(off, page.subarray(0, len));
      }
      return paged;
    } finally {
      await handle.close();
    }
  }
  /**
   * Writes the sectors one flash operation changed in place. Like the flash itself, a host crash
   * in the middle of one could leave that operation half done; a simulated power cut never does
   * (it happens between operations).
   */
  async storeRange(area: string, data: PagedBytes, off: number, len: number): Promise<void> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.file(area), 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // No file reads back as erased flash: an erased area needs none.
      if (!data.allErased()) await this.store(area, data);
      return;
    }
    try {
      if ((await handle.stat()).size !== data.size) await this.store(area, data);
      else await handle.write(data.read(off, len), 0, len, off);
    } finally {
      await handle.close();
    }
  }
}

/**
 * Counts flash operations and cuts the power at a chosen one. A cut happens between operations: a
 * sector erase or a write is atomic in this model, and every completed one is on disk.
 */
export class PowerFaults {
  private done = 0;
  private cutAt: number | undefined;

  /** Operations completed since the last {@link reset}. */
  get operations(): number {
    return this.done;
  }

  /** Cuts the power instead of performing the operation that would be number `n` (0 = the next one). */
  cutAfter(n: number): void {
    this.cutAt = this.done + n;
  }

  disarm(): void {
    this.cutAt = undefined;
  }

  get armed(): boolean {
    return this.cutAt !== undefined;
  }

  reset(): void {
    this.done = 0;
    this.cutAt = undefined;
  }

  /** Called before each operation; throws BOOT_POWER_CUT when the cut is due. */
  beforeOperation(what: string): void {
    if (this.cutAt !== undefined && this.done >= this.cutAt) {
      this.cutAt = undefined;
      throw new SimError(ErrorCode.BOOT_POWER_CUT, `power cut before flash operation ${this.done} (${what})`);
    }
  }

  afterOperation(): void {
    this.done++;
  }
}

/**
 * A NOR flash partition: erase sets whole sectors to 0xff, a write can only clear bits (the stored
 * byte becomes `old & new`), as on the nRF9160's NVMC. Every operation is persisted before the next.
 */
export class FlashArea {
  private constructor(
    readonly name: string,
    private readonly data: PagedBytes,
    readonly sectorSize: number,
    readonly writeSize: number,
    private readonly storage: FlashStorage,
    private readonly faults: PowerFaults,
  ) {}

  static async open(
    name: string,
    size: number,
    geometry: { sectorSize: number; writeSize: number },
    storage: FlashStorage,
    faults: PowerFaults,
  ): Promise<FlashArea> {
    const pageSize = geometry.sectorSize;
    const stored = storage.loadPaged ? await storage.loadPaged(name, pageSize) : await storage.load(name);
    if (stored && (stored instanceof PagedBytes ? stored.size : stored.length) !== size) {
      const length = stored instanceof PagedBytes ? stored.size : stored.length;
      throw new SimError(
        ErrorCode.STATE_CORRUPT,
        `flash area ${name} holds ${length} bytes, expected ${size}`,
      );
    }
    const data =
      stored instanceof PagedBytes
        ? stored
        : stored
          ? PagedBytes.from(stored, pageSize)
          : PagedBytes.erased(size, pageSize);
    return new FlashArea(name, data, geometry.sectorSize, geometry.writeSize, storage, faults);
  }

  get size(): number {
    return this.data.size;
  }

  read(off: number, len: number): Buffer {
    this.check(off, len);
    return this.data.read(off, len);
  }

  /** A copy of the whole area. */
  snapshot(): Buffer {
    return this.data.toBuffer();
  }

  /** Sectors that hold programmed bytes (the erased ones cost no memory). */
  get programmedSectors(): number {
    return this.data.programmedPages;
  }

  isErased(off: number, len: number): boolean {
    this.check(off, len);
    return this.data.isErased(off, len);
  }

  /** Erases `len` bytes from `off`; both must be sector-aligned. */
  async erase(off: number, len: number): Promise<void> {
    this.check(off, len);
    if (off % this.sectorSize !== 0 || len % this.sectorSize !== 0) {
      throw new SimError(
        ErrorCode.BOOT_FLASH_ERROR,
        `${this.name}: erase ${off}+${len} is not sector-aligned`,
      );
    }
    this.faults.beforeOperation(`erase ${this.name} ${off}+${len}`);
    this.data.erase(off, len);
    await this.persist(off, len);
  }

  /** Programs `bytes` at `off` (write-block aligned); bits already cleared stay cleared. */
  async write(off: number, bytes: Uint8Array): Promise<void> {
    this.check(off, bytes.length);
    if (off % this.writeSize !== 0 || bytes.length % this.writeSize !== 0) {
      throw new SimError(
        ErrorCode.BOOT_FLASH_ERROR,
        `${this.name}: write ${off}+${bytes.length} is not ${this.writeSize}-byte aligned`,
      );
    }
    this.faults.beforeOperation(`write ${this.name} ${off}+${bytes.length}`);
    this.data.program(off, bytes);
    await this.persist(off, bytes.length);
  }

  private async persist(off: number, len: number): Promise<void> {
    if (this.storage.storeRange) await this.storage.storeRange(this.name, this.data, off, len);
    else await this.storage.store(this.name, this.data.toBuffer());
    this.faults.afterOperation();
  }

  private check(off: number, len: number): void {
    if (
      !Number.isInteger(off) ||
      !Number.isInteger(len) ||
      off < 0 ||
      len < 0 ||
      off + len > this.data.size
    ) {
      throw new SimError(
        ErrorCode.BOOT_FLASH_ERROR,
        `${this.name}: ${off}+${len} is outside the ${this.data.size}-byte area`,
      );
    }
  }
}
