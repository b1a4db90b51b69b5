import { createHash } from 'node:crypto';

export const ERASED = 0xff;

/**
 * Pages with the same content, kept once per process: a fleet of devices on one image holds that
 * image's pages once. Pages in the pool are never written to; a change makes a new page (copy on
 * write). A page no device holds any more is collected and leaves the pool.
 */
export class PagePool {
  private readonly pages = new Map<string, WeakRef<Buffer>>();
  private readonly collected = new FinalizationRegistry<string>((key) => {
    if (this.pages.get(key)?.deref() === undefined) this.pages.delete(key);
  });

  /** The pool's page with the content of `page`; `page` itself (now shared) when it is new. */
  intern(page: Buffer): Buffer {
    const key = createHash('sha256').update(page).digest('base64');
    const known = this.pages.get(key)?.deref();
    if (known && known.equals(page)) return known;
    this.pages.set(key, new WeakRef(page));
    this.collected.register(page, key);
    return page;
  }

  /** Distinct pages alive in the pool. */
  get size(): number {
    return this.pages.size;
  }
}

/** The process's pool: every flash area of every device in this process (or worker) shares it. */
export const sharedPagePool = new PagePool();

/**
 * The bytes of a flash area as pages: an erased page costs nothing (no buffer), every other page is
 * a shared, immutable buffer from a {@link PagePool}. Reads return copies; a write or an erase
 * replaces the pages it touches.
 */
export class PagedBytes {
  private constructor(
    readonly size: number,
    readonly pageSize: number,
    private readonly pages: Array<Buffer | undefined>,
    private readonly pool: PagePool,
  ) {}

  static erased(size: number, pageSize: number, pool: PagePool = sharedPagePool): PagedBytes {
    return new PagedBytes(size, pageSize, new Array<Buffer | undefined>(Math.ceil(size / pageSize)), pool);
  }

  /** Pages holding a copy of `data`. */
  static from(data: Uint8Array, pageSize: number, pool: PagePool = sharedPagePool): PagedBytes {
    const paged = PagedBytes.erased(data.length, pageSize, pool);
    for (let p = 0; p < paged.pages.length; p++) {
      const start = p * pageSize;
      const slice = data.subarray(start, Math.min(start + pageSize, data.length));
      if (!allErased(slice)) paged.pages[p] = pool.intern(Buffer.from(slice));
    }
    return paged;
  }

  /** Another area with the same content; costs one array of page references. */
  clone(): PagedBytes {
    return new PagedBytes(this.size, this.pageSize, [...this.pages], this.pool);
  }

  private pageLength(p: number): number {
    return Math.min(this.pageSize, this.size - p * this.pageSize);
  }

  /** A copy of bytes `off..off+len` (the caller checks the bounds). */
  read(off: number, len: number): Buffer {
    const out = Buffer.alloc(len, ERASED);
    this.eachPage(off, len, (p, from, to, at) => this.pages[p]?.copy(out, at, from, to));
    return out;
  }

  toBuffer(): Buffer {
    return this.read(0, this.size);
  }

  /**
   * The area as one buffer per page, in order: the shared pages themselves and, for erased ones,
   * one shared erased page. For writing the area out without a copy of it; never write to them.
   */
  chunks(): Buffer[] {
    const erased = erasedPage(this.pageSize);
    // Array.from, not map: an erased page is a hole in the array, which map would keep.
    return Array.from(this.pages, (page, p) => page ?? erased.subarray(0, this.pageLength(p)));
  }

  isErased(off: number, len: number): boolean {
    let erased = true;
    this.eachPage(off, len, (p, from, to) => {
      const page = this.pages[p];
      if (erased && page) erased = allErased(page.subarray(from, to));
    });
    return erased;
  }

  /** True when no page holds a programmed byte. */
  allErased(): boolean {
    return this.pages.every((p) => p === undefined);
  }

  /** Sets `off..off+len` to 0xff; whole pages are dropped. */
  erase(off: number, len: number): void {
    this.eachPage(off, len, (p, from, to) => {
      const page = this.pages[p];
      if (!page) return;
      if (from === 0 && to === this.pageLength(p)) {
        this.pages[p] = undefined;
        return;
      }
      const copy = Buffer.from(page);
      copy.fill(ERASED, from, to);
      this.settle(p, copy);
    });
  }

  /** NOR programming: each stored byte becomes `old & new`. */
  program(off: number, bytes: Uint8Array): void {
    this.eachPage(off, bytes.length, (p, from, to, at) => {
      const page = this.pages[p];
      const src = bytes.subarray(at, at + (to - from));
      if (!page && allErased(src)) return;
      const copy = page ? Buffer.from(page) : Buffer.alloc(this.pageLength(p), ERASED);
      for (let i = 0; i < src.length; i++) copy[from + i] = (copy[from + i] as number) & (src[i] as number);
      this.settle(p, copy);
    });
  }

  /** Pages that hold a buffer (the others are erased and cost nothing). */
  get programmedPages(): number {
    return this.pages.reduce((n, p) => n + (p ? 1 : 0), 0);
  }

  private settle(p: number, page: Buffer): void {
    this.pages[p] = allErased(page) ? undefined : this.pool.intern(page);
  }

  /** Calls `fn(page, fromInPage, toInPage, offsetInRange)` for each page `off..off+len` touches. */
  private eachPage(
    off: number,
    len: number,
    fn: (p: number, from: number, to: number, at: number) => void,
  ): void {
    let pos = off;
    const end = off + len;
    while (pos < end) {
      const p = Math.floor(pos / this.pageSize);
      const base = p * this.pageSize;
      const to = Math.min(end - base, this.pageLength(p));
      fn(p, pos - base, to, pos - off);
      pos = base + to;
    }
  }
}

const erasedPages = new Map<number, Buffer>();

/** One read-only page of 0xff per page size, shared by every area. */
function erasedPage(size: number): Buffer {
  let page = erasedPages.get(size);
  if (!page) {
    page = Buffer.alloc(size, ERASED);
    erasedPages.set(size, page);
  }
  return page;
}

function allErased(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== ERASED) return false;
  return true;
}
