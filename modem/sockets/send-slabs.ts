interface Slab {
  buf: Buffer;
  used: number;
  /** Writes of this slab's bytes not yet completed by the host socket. */
  pending: number;
  /** No more bytes go in: reusable once `pending` is 0. */
  retired: boolean;
}

/** Bytes copied in since the last {@link SendSlabs.takeRun}, and the callback for their write. */
export interface Run {
  chunk: Buffer;
  written: () => void;
}

/**
 * The copy a socket makes of what send() accepted (send returns before the bytes are on the wire,
 * and the caller may reuse its buffer at once). Consecutive sends land side by side in a slab and
 * leave as one run, so a loop of small sends costs one host write and no buffer object each; a
 * slab whose writes have all completed is used again, so bulk transfer allocates nothing.
 */
export class SendSlabs {
  private current: Slab | undefined;
  private readonly free: Slab[] = [];
  private runStart = -1;
  /** Bumped by release(): writes that complete later do not bring old slabs back. */
  private generation = 0;

  constructor(
    readonly slabBytes: number,
    private readonly keep = 2,
  ) {}

  /** True when `n` bytes are small enough to share a slab. */
  fits(n: number): boolean {
    return n <= this.slabBytes / 4;
  }

  /** True when bytes were appended since the last {@link takeRun}. */
  get hasRun(): boolean {
    return this.runStart >= 0;
  }

  /**
   * Copies `data` (at most slabBytes / 4) in. A slab too full for it is closed first, and its run
   * handed to `spill` so the order of everything sent stays as it was.
   */
  append(data: Uint8Array, spill: (run: Run) => void): void {
    let slab = this.current;
    if (!slab || slab.used + data.length > slab.buf.length) {
      const run = this.takeRun();
      if (run) spill(run);
      if (slab) this.retire(slab);
      slab = this.current = this.free.pop() ?? {
        buf: Buffer.allocUnsafeSlow(this.slabBytes),
        used: 0,
        pending: 0,
        retired: false,
      };
      slab.used = 0;
      slab.retired = false;
    }
    slab.buf.set(data, slab.used);
    if (this.runStart < 0) this.runStart = slab.used;
    slab.used += data.length;
  }

  /** The bytes appended since the last call, as one chunk; `written` must follow its write. */
  takeRun(): Run | undefined {
    const slab = this.current;
    if (this.runStart < 0 || !slab) return undefined;
    const chunk = slab.buf.subarray(this.runStart, slab.used);
    this.runStart = -1;
    slab.pending++;
    const generation = this.generation;
    return {
      chunk,
      written: () => {
        slab.pending--;
        if (generation === this.generation && slab.retired) this.reuse(slab);
      },
    };
  }

  /** Lets every slab go (an idle or closed socket keeps no send memory). */
  release(): void {
    this.current = undefined;
    this.free.length = 0;
    this.runStart = -1;
    this.generation++;
  }

  private retire(slab: Slab): void {
    slab.retired = true;
    this.reuse(slab);
  }

  private reuse(slab: Slab): void {
    if (slab.pending === 0 && this.free.length < this.keep) this.free.push(slab);
  }
}
