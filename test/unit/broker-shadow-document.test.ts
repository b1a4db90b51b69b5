import { describe, expect, it } from 'vitest';
import {
  applyUpdate,
  computeDelta,
  getDocument,
  parseSimpleRequest,
  parseUpdateRequest,
  ShadowError,
  type StoredShadow,
  type UpdateOutcome,
} from '../../broker-fixtures/index.js';

const T = 1_700_000_000;

function update(
  current: StoredShadow | undefined,
  body: unknown,
  now = T,
  base = 0,
): UpdateOutcome | ShadowError {
  const req = parseUpdateRequest(JSON.stringify(body));
  if (req instanceof ShadowError) return req;
  return applyUpdate(current, req, now, base);
}

function ok(result: UpdateOutcome | ShadowError): UpdateOutcome {
  if (result instanceof ShadowError) throw new Error(`rejected: ${result.code} ${result.message}`);
  return result;
}

describe('shadow update requests (cloud-services §1.3 step 1)', () => {
  it.each([
    ['not json', 'Invalid JSON'],
    ['[]', 'Invalid JSON'],
    ['{}', 'Missing required node: state'],
    ['{"state":5}', 'State node must be an object'],
    ['{"state":{"desired":5}}', 'Desired node must be an object'],
    ['{"state":{"reported":[1]}}', 'Reported node must be an object'],
    ['{"state":{"delta":{}}}', 'State contains an invalid node'],
    ['{"state":{},"version":"3"}', 'Invalid version'],
    ['{"state":{},"clientToken":5}', 'Invalid clientToken'],
    [`{"state":{},"clientToken":"${'x'.repeat(65)}"}`, 'Invalid clientToken'],
  ])('%s → 400 %s', (payload, message) => {
    const r = parseUpdateRequest(payload);
    expect(r).toBeInstanceOf(ShadowError);
    expect(r).toMatchObject({ code: 400, message });
  });

  it('rejects nesting deeper than 5 levels inside a section, accepts 5', () => {
    const five = { state: { desired: { one: { two: { three: { four: { five: 1 } } } } } } };
    const six = { state: { desired: { one: { two: { three: { four: { five: { six: 1 } } } } } } } };
    expect(parseUpdateRequest(JSON.stringify(five))).not.toBeInstanceOf(ShadowError);
    expect(parseUpdateRequest(JSON.stringify(six))).toMatchObject({
      code: 400,
      message: 'JSON contains too many levels of nesting; maximum is 6',
    });
  });

  it('refuses non-UTF-8 payloads with 415', () => {
    expect(parseUpdateRequest(Buffer.from([0x7b, 0xff, 0x7d]))).toMatchObject({ code: 415 });
  });

  it('accepts an empty get/delete payload or one with only a clientToken', () => {
    expect(parseSimpleRequest('')).toEqual({});
    expect(parseSimpleRequest('{"clientToken":"abc"}')).toEqual({ clientToken: 'abc' });
    expect(parseSimpleRequest('{')).toMatchObject({ code: 400, message: 'Invalid JSON' });
  });
});

describe('shadow update semantics (§1.3, §1.8 worked sequence)', () => {
  it('runs the worked sequence: desired → delta, reported → no delta, stale version → 409', () => {
    const first = ok(update(undefined, { state: { desired: { color: 'RED' } }, clientToken: 't1' }));
    expect(first.shadow.version).toBe(1);
    expect(first.accepted).toEqual({
      state: { desired: { color: 'RED' } },
      metadata: { desired: { color: { timestamp: T } } },
      version: 1,
      timestamp: T,
    });
    expect(first.delta).toEqual({
      version: 1,
      timestamp: T,
      state: { color: 'RED' },
      metadata: { color: { timestamp: T } },
    });

    const second = ok(update(first.shadow, { state: { reported: { color: 'RED' } } }, T + 5));
    expect(second.shadow.version).toBe(2);
    expect(second.delta).toBeUndefined();

    const third = update(second.shadow, { state: { reported: { color: null } }, version: 1 });
    expect(third).toMatchObject({ code: 409, message: 'Version conflict' });
  });

  it('deletes keys with null, drops empty sections and their metadata', () => {
    const a = ok(update(undefined, { state: { desired: { a: 1, b: { c: 2 } }, reported: { x: 1 } } }));
    const b = ok(
      update(a.shadow, { state: { desired: { a: null, b: { c: null } }, reported: null } }, T + 1),
    );
    expect(b.shadow.state).toEqual({});
    expect(b.shadow.metadata).toEqual({});
    expect(b.accepted.state).toEqual({ desired: { a: null, b: { c: null } }, reported: null });
  });

  it('replaces arrays whole and gives each element a metadata timestamp', () => {
    const a = ok(update(undefined, { state: { reported: { bands: [1, 2, 3] } } }));
    const b = ok(update(a.shadow, { state: { reported: { bands: [20] } } }, T + 9));
    expect(b.shadow.state.reported).toEqual({ bands: [20] });
    expect(b.shadow.metadata.reported).toEqual({ bands: [{ timestamp: T + 9 }] });
  });

  it('keeps untouched metadata timestamps and refreshes only written leaves', () => {
    const a = ok(update(undefined, { state: { reported: { a: 1, b: 2 } } }, T));
    const b = ok(update(a.shadow, { state: { reported: { b: 3 } } }, T + 60));
    expect(b.shadow.metadata.reported).toEqual({ a: { timestamp: T }, b: { timestamp: T + 60 } });
  });

  it('rejects a merged state above 8 KB with 413 and leaves the shadow unchanged', () => {
    const a = ok(update(undefined, { state: { reported: { blob: 'x'.repeat(8000) } } }));
    const b = update(a.shadow, { state: { desired: { more: 'y'.repeat(500) } } });
    expect(b).toMatchObject({ code: 413, message: 'The payload exceeds the maximum size allowed' });
  });

  it('continues the version of a recently deleted shadow', () => {
    expect(ok(update(undefined, { state: { desired: { a: 1 } } }, T, 7)).shadow.version).toBe(8);
  });

  it('state:null clears both sections but still bumps the version', () => {
    const a = ok(update(undefined, { state: { desired: { a: 1 }, reported: { a: 2 } } }));
    const b = ok(update(a.shadow, { state: null }, T + 1));
    expect(b.shadow).toMatchObject({ state: {}, version: 2 });
  });
});

describe('delta (§1.3 delta rules)', () => {
  it('keeps full paths of differing leaves only, ignores reported-only keys, compares arrays whole', () => {
    const desired = { a: 1, nested: { same: 1, diff: 2 }, list: [1, 2], only: 'd' };
    const reported = { a: 1, nested: { same: 1, diff: 3 }, list: [1, 2], extra: true };
    expect(computeDelta(desired, reported)).toEqual({ nested: { diff: 2 }, only: 'd' });
    expect(computeDelta({ list: [1, 2] }, { list: [2, 1] })).toEqual({ list: [1, 2] });
    expect(computeDelta({ a: 1 }, { a: 1 })).toBeUndefined();
  });

  it('get includes state.delta only when a difference exists', () => {
    const a = ok(update(undefined, { state: { desired: { a: 1 }, reported: { a: 1 } } }));
    expect(getDocument(a.shadow, T + 3)).toEqual({
      state: { desired: { a: 1 }, reported: { a: 1 } },
      metadata: { desired: { a: { timestamp: T } }, reported: { a: { timestamp: T } } },
      version: 1,
      timestamp: T + 3,
    });
    const b = ok(update(a.shadow, { state: { desired: { a: 2 } } }));
    expect((getDocument(b.shadow, T).state as { delta?: unknown }).delta).toEqual({ a: 2 });
  });
});
