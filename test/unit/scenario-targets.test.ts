import { describe, expect, it } from 'vitest';
import { chooseTargets } from '../../fleet/scenario/targets.js';

const devices = Array.from({ length: 50 }, (_, i) => `g-${i}`);

describe('seeded choice of devices for a step', () => {
  it('the same seed and step pick the same devices; another seed or step picks others', () => {
    const a = chooseTargets(devices, { share: '20%' }, '7', 0);
    expect(a).toHaveLength(10);
    expect(chooseTargets(devices, { share: '20%' }, '7', 0)).toEqual(a);
    expect(chooseTargets(devices, { share: '20%' }, '8', 0)).not.toEqual(a);
    expect(chooseTargets(devices, { share: '20%' }, '7', 1)).not.toEqual(a);
    expect(new Set(a).size).toBe(10);
    // In the group's order, so reports read naturally.
    expect([...a].sort((x, y) => devices.indexOf(x) - devices.indexOf(y))).toEqual(a);
  });

  it('a count, a share that rounds to at least one device, all, and none', () => {
    expect(chooseTargets(devices, { count: 3 }, 's', 0)).toHaveLength(3);
    expect(chooseTargets(devices, { share: 0.001 }, 's', 0)).toHaveLength(1);
    expect(chooseTargets(devices, { share: '100%' }, 's', 0)).toEqual(devices);
    expect(chooseTargets(devices, {}, 's', 0)).toEqual(devices);
    expect(chooseTargets(devices, { share: 0 }, 's', 0)).toEqual([]);
  });
});
