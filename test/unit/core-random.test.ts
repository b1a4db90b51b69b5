import { describe, expect, it } from 'vitest';
import { Random } from '../../core/random.js';

describe('Random', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Random('seed-1');
    const b = new Random('seed-1');
    const c = new Random('seed-2');
    const seqA = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it('keeps int() inside its inclusive bounds and covers them', () => {
    const r = new Random(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const v = r.int(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('has a roughly uniform next() and honours chance()', () => {
    const r = new Random('uniform');
    let sum = 0;
    let hits = 0;
    for (let i = 0; i < 10_000; i++) {
      sum += r.next();
      if (r.chance(0.25)) hits++;
    }
    expect(sum / 10_000).toBeGreaterThan(0.47);
    expect(sum / 10_000).toBeLessThan(0.53);
    expect(hits).toBeGreaterThan(2200);
    expect(hits).toBeLessThan(2800);
    expect(r.chance(0)).toBe(false);
  });

  it('forks independent but reproducible generators', () => {
    const x = new Random('root').fork('link');
    const y = new Random('root').fork('link');
    expect(x.digits(12)).toBe(y.digits(12));
    expect(new Random('root').fork('other').digits(12)).not.toBe(new Random('root').fork('link').digits(12));
  });

  it('seeds from the operating system for an entry point that must not repeat another run', () => {
    const names = new Set(Array.from({ length: 50 }, () => Random.fromEntropy().bytes(8).toString('hex')));
    expect(names.size).toBe(50);
  });
});
