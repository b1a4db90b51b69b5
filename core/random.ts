import { createHash, randomBytes } from 'node:crypto';

/**
 * A seeded pseudo-random generator (sfc32). Every random choice in the simulator — identities, jitter,
 * packet loss — draws from one of these, so a run is reproducible from its seed.
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * A generator seeded from the operating system's entropy: for a process entry point that wants
   * values no other run picks (the demo's thing names, a default job id). Everything else takes a
   * seeded generator from its caller.
   */
  static fromEntropy(): Random {
    return new Random(randomBytes(16).toString('hex'));
  }

  constructor(seed: string | number) {
    const digest = createHash('sha256').update(String(seed)).digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }

  /** A string of `n` decimal digits (leading zeros allowed). */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }

  /** An independent generator derived from this one's seed path, e.g. `rng.fork('link')`. */
  fork(label: string): Random {
    return new Random(`${this.nextUint32()}:${label}`);
  }
}
