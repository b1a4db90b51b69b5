import { describe, expect, it } from 'vitest';
import { isSimError } from '../../core/errors.js';
import type { StateStore } from '../../broker-fixtures/index.js';

/**
 * Where a store keeps its state: `open()` returns a store over it, a fresh instance each call where
 * the kind allows (the file store reads its files again), so reopening stands for a restart.
 * `durable` is false for a store that keeps nothing across a reopen (the memory store).
 */
export interface StoreLocation {
  open(): Promise<StateStore>;
  durable: boolean;
  /**
   * For a store several processes share (Redis): a second writer on the same state, standing for
   * another broker node. Stores with a single writer leave it out.
   */
  openPeer?(): Promise<StateStore>;
}

/** A read-modify-write of a counter through commitIf, retried until it wins: what the services do. */
async function increment(store: StateStore, key: string): Promise<number> {
  for (;;) {
    const current = await store.get<{ n: number }>('shadows', key);
    const next = { n: (current?.n ?? 0) + 1 };
    const { applied, durable } = store.commitIf(
      [{ collection: 'shadows', key, value: current }],
      [{ collection: 'shadows', key, value: next }],
    );
    if (await applied) {
      await durable;
      return next.n;
    }
  }
}

/**
 * The contract of {@link StateStore} (store.ts) that every backend passes: the aedes-persistence
 * pattern, one abstract suite and a short file per backend (memory, file, later Redis).
 */
export function describeStateStore(kind: string, makeLocation: () => Promise<StoreLocation>): void {
  describe(`state store conformance: ${kind}`, () => {
    it('reads back what was put, lists in insertion order, and deletes', async () => {
      const store = await (await makeLocation()).open();
      await store.put('things', 'b', { thingName: 'b' });
      await store.put('things', 'a', { thingName: 'a' });
      await store.put('things', 'b', { thingName: 'b', version: 2 });
      expect(await store.get('things', 'b')).toEqual({ thingName: 'b', version: 2 });
      expect(await store.list('things')).toEqual([
        ['b', { thingName: 'b', version: 2 }],
        ['a', { thingName: 'a' }],
      ]);
      expect(await store.delete('things', 'b')).toBe(true);
      expect(await store.delete('things', 'b')).toBe(false);
      expect(await store.get('things', 'b')).toBeUndefined();
      expect(await store.list('shadows')).toEqual([]);
      await store.close();
    });

    it('shows a change to reads issued before its commit has resolved', async () => {
      const store = await (await makeLocation()).open();
      const pending = store.commit([
        { collection: 'shadows', key: 't', value: { version: 1 } },
        { collection: 'shadow-tombstones', key: 't', value: { version: 0, deletedAt: 1 } },
      ]);
      expect(await store.get('shadows', 't')).toEqual({ version: 1 });
      expect(await store.list('shadow-tombstones')).toEqual([['t', { version: 0, deletedAt: 1 }]]);
      await pending;
      await store.close();
    });

    it('refuses a bad change list whole: nothing of it is applied', async () => {
      const store = await (await makeLocation()).open();
      for (const changes of [
        [],
        [
          { collection: 'things' as const, key: 'ok', value: { thingName: 'ok' } },
          { collection: 'nope' as never, key: 'x', value: 1 },
        ],
        [{ collection: 'things' as const, key: '', value: 1 }],
        [{ collection: 'things' as const, key: 'u', value: undefined }],
      ]) {
        const err = await store.commit(changes).catch((e: unknown) => e);
        expect(isSimError(err, 'NRF91SIM_INVALID_ARGUMENT'), JSON.stringify(changes)).toBe(true);
      }
      expect(await store.get('things', 'ok')).toBeUndefined();
      await store.close();
    });

    it('keeps keys such as __proto__ and unicode as ordinary records', async () => {
      const location = await makeLocation();
      const store = await location.open();
      // Parsed, as a client's payload is: an own `__proto__` key, not a prototype.
      await store.put('shadows', '__proto__', JSON.parse('{"state":{"reported":{"__proto__":1}}}'));
      await store.put('retained', 'a/ü/€', { payload: 'AA==', qos: 1 });
      await store.close();
      const again = location.durable ? await location.open() : store;
      if (!location.durable) return;
      expect(
        Object.keys(
          ((await again.get('shadows', '__proto__')) as { state: { reported: object } }).state.reported,
        ),
      ).toEqual(['__proto__']);
      expect(await again.get('retained', 'a/ü/€')).toEqual({ payload: 'AA==', qos: 1 });
      await again.close();
    });

    it('resolves commits in call order and flush after all of them', async () => {
      const store = await (await makeLocation()).open();
      const order: number[] = [];
      const commits = Array.from({ length: 50 }, (_, i) =>
        store.put('shadows', `s${i % 7}`, { version: i }).then(() => order.push(i)),
      );
      await store.flush();
      expect(order).toHaveLength(50);
      await Promise.all(commits);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      await store.close();
    });

    it('keeps every resolved commit across a reopen, multi-record commits together', async () => {
      const location = await makeLocation();
      if (!location.durable) return;
      const store = await location.open();
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          store.commit([
            { collection: 'things', key: `t${i}`, value: { thingName: `t${i}`, principals: [`c${i}`] } },
            { collection: 'certificates', key: `c${i}`, value: { certificateId: `c${i}` } },
          ]),
        ),
      );
      await store.delete('things', 't0');
      await store.close();
      const again = await location.open();
      expect((await again.list('things')).length).toBe(199);
      expect((await again.list('certificates')).length).toBe(200);
      expect(await again.get('things', 't0')).toBeUndefined();
      expect(await again.get('things', 't199')).toEqual({ thingName: 't199', principals: ['c199'] });
      await again.close();
    });

    it('commitIf applies only while every expected record is as read, absent ones included', async () => {
      const store = await (await makeLocation()).open();
      const first = store.commitIf(
        [{ collection: 'shadows', key: 's', value: undefined }],
        [{ collection: 'shadows', key: 's', value: { version: 1, state: { a: [1, 'x'] } } }],
      );
      expect(await first.applied).toBe(true);
      await first.durable;
      // Absent expected, but it exists now: refused, nothing written.
      const again = store.commitIf(
        [{ collection: 'shadows', key: 's', value: undefined }],
        [{ collection: 'shadows', key: 's', value: { version: 99 } }],
      );
      expect(await again.applied).toBe(false);
      await again.durable;
      const read = await store.get('shadows', 's');
      expect(read).toEqual({ version: 1, state: { a: [1, 'x'] } });
      const stale = store.commitIf(
        [{ collection: 'shadows', key: 's', value: { version: 0 } }],
        [
          { collection: 'shadows', key: 's', value: { version: 2 } },
          { collection: 'things', key: 't', value: { thingName: 't' } },
        ],
      );
      expect(await stale.applied).toBe(false);
      expect(await store.get('things', 't')).toBeUndefined();
      // What was read, passed back as read (a copy compares equal too): applied, all changes at once.
      const fresh = store.commitIf(
        [
          { collection: 'shadows', key: 's', value: JSON.parse(JSON.stringify(read)) },
          { collection: 'things', key: 't', value: undefined },
        ],
        [
          { collection: 'shadows', key: 's', value: { version: 2 } },
          { collection: 'things', key: 't', value: { thingName: 't' } },
        ],
      );
      expect(await fresh.applied).toBe(true);
      expect(await store.get('shadows', 's')).toEqual({ version: 2 });
      expect(await store.get('things', 't')).toEqual({ thingName: 't' });
      await fresh.durable;
      const bad = store.commitIf(
        [{ collection: 'nope' as never, key: 'x', value: 1 }],
        [{ collection: 'things', key: 'x', value: 1 }],
      );
      expect(isSimError(await bad.applied.catch((e: unknown) => e), 'NRF91SIM_INVALID_ARGUMENT')).toBe(true);
      expect(await store.get('things', 'x')).toBeUndefined();
      await store.close();
    });

    it('counts exactly with concurrent commitIf read-modify-writes on one key', async () => {
      const store = await (await makeLocation()).open();
      const results = await Promise.all(Array.from({ length: 40 }, () => increment(store, 'c')));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(await store.get('shadows', 'c')).toEqual({ n: 40 });
      await store.close();
    });

    it('lets exactly one of two writers win each version, and tells each of the other', async () => {
      const location = await makeLocation();
      if (!location.openPeer) return;
      const a = await location.open();
      const b = await location.openPeer();
      const seenByA: string[] = [];
      const stop = a.watch((changes) => seenByA.push(...changes.map((c) => `${c.collection}/${c.key}`)));
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => increment(i % 2 ? a : b, 'raced')),
      );
      // Every version handed out once: no two writers both won the same read.
      expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(await b.get('shadows', 'raced')).toEqual({ n: 60 });
      await b.put('things', 'from-b', { thingName: 'from-b' });
      await expect.poll(() => seenByA.includes('things/from-b'), { timeout: 10_000 }).toBe(true);
      // A's own writes are not reported back to it.
      await a.put('things', 'from-a', { thingName: 'from-a' });
      await b.put('things', 'from-b-2', { thingName: 'x' });
      await expect.poll(() => seenByA.includes('things/from-b-2'), { timeout: 10_000 }).toBe(true);
      expect(seenByA).not.toContain('things/from-a');
      stop();
      expect((await a.list('things')).map(([k]) => k)).toEqual(['from-b', 'from-a', 'from-b-2']);
      await Promise.all([a.close(), b.close()]);
    });

    it('is an error to use after close', async () => {
      const store = await (await makeLocation()).open();
      await store.close();
      const err = await store.get('things', 'x').catch((e: unknown) => e);
      expect(isSimError(err, 'NRF91SIM_INVALID_STATE')).toBe(true);
      expect(
        isSimError(await store.put('things', 'x', 1).catch((e: unknown) => e), 'NRF91SIM_INVALID_STATE'),
      ).toBe(true);
    });
  });
}
