import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyUpdate,
  computeDelta,
  parseUpdateRequest,
  ShadowError,
  type JsonObject,
  type JsonValue,
  type StoredShadow,
  type UpdateRequest,
} from '../../broker-fixtures/index.js';

/**
 * Property tests of the Device Shadow merge (cloud-services.md §1.3): seeded, a few thousand runs
 * each, over documents whose keys include the ones JavaScript objects treat specially.
 */
const RUNS = { numRuns: 2000, seed: 0x5eed };
const KEYS = ['a', 'b', 'c', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'ü', ''];

const scalar = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const leaf = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));
/** An object built as JSON.parse builds it: `__proto__` is an own key. */
function objectOf(entries: Array<[string, JsonValue]>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}
const { doc } = fc.letrec<{ doc: JsonObject; value: JsonValue }>((tie) => ({
  doc: fc
    .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('value')), { maxLength: 4, selector: ([k]) => k })
    .map(objectOf),
  value: fc.oneof({ depthSize: 'small', maxDepth: 3 }, leaf, tie('doc')),
}));
/** A patch: like a document, with `null` (delete) allowed as a value. */
const { patch } = fc.letrec<{ patch: JsonObject; pvalue: JsonValue }>((tie) => ({
  patch: fc
    .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('pvalue')), { maxLength: 4, selector: ([k]) => k })
    .map(objectOf),
  pvalue: fc.oneof({ depthSize: 'small', maxDepth: 3 }, leaf, fc.constant(null), tie('patch')),
}));

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: JsonObject | undefined, k: string): JsonValue | undefined =>
  o !== undefined && Object.hasOwn(o, k) ? o[k] : undefined;
const roundTrip = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** The merge spelled out as the spec says it: null deletes, objects merge, anything else replaces. */
function expectedMerge(base: JsonObject | undefined, p: JsonObject): JsonObject | undefined {
  const entries = new Map<string, JsonValue>(Object.entries(base ?? {}));
  for (const [k, v] of Object.entries(p)) {
    if (v === null) entries.delete(k);
    else if (isObject(v)) {
      const prior = entries.get(k);
      const merged = expectedMerge(isObject(prior) ? prior : undefined, v);
      if (merged) entries.set(k, merged);
      else entries.delete(k);
    } else entries.set(k, v);
  }
  return entries.size ? objectOf([...entries]) : undefined;
}

function shapeMatches(state: JsonValue | undefined, metadata: JsonValue | undefined): boolean {
  if (isObject(state)) {
    if (!isObject(metadata)) return false;
    const sk = Object.keys(state).sort();
    const mk = Object.keys(metadata).sort();
    return (
      JSON.stringify(sk) === JSON.stringify(mk) &&
      sk.every((k) => shapeMatches(own(state, k), own(metadata, k)))
    );
  }
  if (Array.isArray(state)) return Array.isArray(metadata) && metadata.length === state.length;
  return isObject(metadata) && typeof metadata.timestamp === 'number';
}

const limits = { maxStateBytes: 1 << 20, maxDepth: 64 };
const update = (current: StoredShadow | undefined, req: UpdateRequest): StoredShadow => {
  const out = applyUpdate(current, req, 1000, 0, limits);
  if (out instanceof ShadowError) throw new Error(out.message);
  return out.shadow;
};

describe('shadow document merge, property tests', () => {
  it('merges as the spec says: null deletes, objects merge key by key, the rest replaces', () => {
    fc.assert(
      fc.property(doc, patch, (base, p) => {
        const first = update(undefined, { state: { reported: base } });
        const next = update(first, { state: { reported: p } });
        expect(roundTrip(next.state.reported)).toEqual(roundTrip(expectedMerge(first.state.reported, p)));
        expect(next.version).toBe(first.version + 1);
      }),
      RUNS,
    );
  });

  it('keeps metadata the shape of the state: one timestamp per leaf, nothing else', () => {
    fc.assert(
      fc.property(doc, patch, patch, (base, p1, p2) => {
        let s = update(undefined, { state: { desired: base, reported: base } });
        s = update(s, { state: { desired: p1 } });
        s = update(s, { state: { reported: p2 } });
        for (const section of ['desired', 'reported'] as const) {
          expect(shapeMatches(s.state[section] ?? {}, s.metadata[section] ?? {})).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('loses nothing through the store (JSON) and through a second identical update', () => {
    fc.assert(
      fc.property(doc, patch, (base, p) => {
        const a = update(update(undefined, { state: { reported: base } }), { state: { reported: p } });
        expect(roundTrip(a)).toEqual(roundTrip(roundTrip(a)));
        expect(Object.keys(roundTrip(a).state.reported ?? {}).sort()).toEqual(
          Object.keys(a.state.reported ?? {}).sort(),
        );
        const b = update(a, { state: { reported: p } });
        expect(roundTrip(b.state)).toEqual(roundTrip(a.state));
      }),
      RUNS,
    );
  });

  it('computes a delta that is empty exactly when reported holds every desired leaf', () => {
    fc.assert(
      fc.property(doc, doc, (d, r) => {
        // As stored: the merge leaves no empty objects behind.
        const { desired, reported } = update(undefined, { state: { desired: d, reported: r } }).state;
        expect(computeDelta(desired, desired)).toBeUndefined();
        const delta = computeDelta(desired, reported);
        const merged = desired ? expectedMerge(reported, desired) : reported;
        // Reporting the delta (or all of desired) closes it.
        if (delta) expect(computeDelta(desired, expectedMerge(reported, delta))).toBeUndefined();
        else expect(roundTrip(merged)).toEqual(roundTrip(reported));
        expect(computeDelta(desired, merged)).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('parses any request text without throwing, however deep or odd', () => {
    const nested = fc
      .integer({ min: 0, max: 20_000 })
      .map((n) => `{"state":{"reported":${'['.repeat(n)}1${']'.repeat(n)}}}`);
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), nested), (text) => {
        const r = parseUpdateRequest(text);
        expect(r instanceof ShadowError || typeof r === 'object').toBe(true);
      }),
      RUNS,
    );
  });
});
