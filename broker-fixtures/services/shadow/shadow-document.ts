import { hasNonFiniteNumber, nestingDepth } from '../../json/safe-json.js';
import {
  arrayHasNull,
  deepEqual,
  depthOf,
  isObject,
  own,
  setOwn,
  type JsonObject,
  type JsonValue,
} from './json.js';

/**
 * The Device Shadow document model and its rules (cloud-services.md §1.2–1.7), as pure functions
 * over plain JSON: parse and validate a request, merge an update, compute the delta, mirror the
 * metadata. Timestamps are epoch seconds, as in AWS's shadow responses.
 */

export type Section = 'desired' | 'reported';

export interface StoredShadow {
  state: { desired?: JsonObject; reported?: JsonObject };
  metadata: { desired?: JsonObject; reported?: JsonObject };
  version: number;
  /** Epoch seconds of the last update. */
  timestamp: number;
}

export interface ShadowLimits {
  /** §1.7: desired + reported, metadata excluded. */
  maxStateBytes: number;
  /** §1.7: levels counting the section, so 6 allows `desired.one.two.three.four.five`. */
  maxDepth: number;
}

export const DEFAULT_SHADOW_LIMITS: ShadowLimits = { maxStateBytes: 8192, maxDepth: 6 };

/** §1.6: an error document's code and exact message. */
export class ShadowError {
  constructor(
    readonly code: number,
    readonly message: string,
  ) {}
}

export interface ShadowRequest {
  clientToken?: string;
  version?: number;
}

export interface UpdateRequest extends ShadowRequest {
  /** `null` clears both sections; otherwise each section is absent, null or an object. */
  state: { desired?: JsonObject | null; reported?: JsonObject | null } | null;
}

const INVALID_JSON = new ShadowError(400, 'Invalid JSON');

function tooDeep(limits: ShadowLimits): ShadowError {
  return new ShadowError(400, `JSON contains too many levels of nesting; maximum is ${limits.maxDepth}`);
}

/**
 * The request body as an object. Nesting is measured on the text first (the document and `state`
 * add two levels to a section's), so a request nested thousands of levels deep is answered 400
 * like any other too-deep one and never reaches a recursive walk. A number that overflows (1e400)
 * would come back as `null` — a deletion — so it is refused as invalid JSON.
 */
function parseJsonObject(
  payload: Buffer | string,
  allowEmpty: boolean,
  limits: ShadowLimits = DEFAULT_SHADOW_LIMITS,
): JsonObject | ShadowError {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  if (text.trim() === '') return allowEmpty ? {} : INVALID_JSON;
  if (typeof payload !== 'string' && !Buffer.from(text, 'utf8').equals(payload)) {
    return new ShadowError(415, 'Unsupported documented encoding; supported encoding is UTF-8');
  }
  if (nestingDepth(text, limits.maxDepth + 1) > limits.maxDepth + 1) return tooDeep(limits);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return INVALID_JSON;
  }
  if (hasNonFiniteNumber(value)) return INVALID_JSON;
  return isObject(value) ? value : INVALID_JSON;
}

/** The clientToken to echo, even on an error, when the payload carried a usable one. */
export function clientTokenOf(payload: Buffer | string): string | undefined {
  const parsed = parseJsonObject(payload, true);
  if (parsed instanceof ShadowError) return undefined;
  const token = parsed.clientToken;
  return typeof token === 'string' && Buffer.byteLength(token) <= 64 ? token : undefined;
}

function common(body: JsonObject): ShadowRequest | ShadowError {
  const out: ShadowRequest = {};
  if (body.clientToken !== undefined) {
    if (typeof body.clientToken !== 'string' || Buffer.byteLength(body.clientToken) > 64) {
      return new ShadowError(400, 'Invalid clientToken');
    }
    out.clientToken = body.clientToken;
  }
  if (body.version !== undefined) {
    if (typeof body.version !== 'number' || !Number.isInteger(body.version))
      return new ShadowError(400, 'Invalid version');
    out.version = body.version;
  }
  return out;
}

/** A get or delete request: empty, or `{"clientToken": …}`. */
export function parseSimpleRequest(payload: Buffer | string): ShadowRequest | ShadowError {
  const body = parseJsonObject(payload, true);
  return body instanceof ShadowError ? body : common(body);
}

export function parseUpdateRequest(
  payload: Buffer | string,
  limits: ShadowLimits = DEFAULT_SHADOW_LIMITS,
): UpdateRequest | ShadowError {
  const body = parseJsonObject(payload, false, limits);
  if (body instanceof ShadowError) return body;
  const base = common(body);
  if (base instanceof ShadowError) return base;
  if (!('state' in body)) return new ShadowError(400, 'Missing required node: state');
  const state = body.state;
  if (state === null) return { ...base, state: null };
  if (!isObject(state)) return new ShadowError(400, 'State node must be an object');
  const out: UpdateRequest = { ...base, state: {} };
  for (const [key, value] of Object.entries(state)) {
    if (key !== 'desired' && key !== 'reported')
      return new ShadowError(400, 'State contains an invalid node');
    if (value !== null && !isObject(value)) {
      return new ShadowError(
        400,
        key === 'desired' ? 'Desired node must be an object' : 'Reported node must be an object',
      );
    }
    if (value !== null && depthOf(value) + 1 > limits.maxDepth) return tooDeep(limits);
    if (arrayHasNull(value)) return new ShadowError(400, 'Invalid JSON');
    out.state![key] = value;
  }
  return out;
}

/** Deep merge where `null` deletes a key and arrays replace whole (§1.3 step 3). */
function merge(base: JsonObject | undefined, patch: JsonObject): JsonObject | undefined {
  const out: JsonObject = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isObject(value)) {
      const existing = own(out, key);
      const merged = merge(isObject(existing) ? existing : undefined, value);
      if (merged) setOwn(out, key, merged);
      else delete out[key];
    } else setOwn(out, key, value);
  }
  return Object.keys(out).length ? out : undefined;
}

/** Metadata mirrors the value's shape; every leaf (and each array element) gets `{timestamp}`. */
export function mirror(value: JsonValue, timestamp: number): JsonValue {
  if (Array.isArray(value)) return value.map((v) => mirror(v, timestamp));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mirror(v, timestamp)]));
  return { timestamp };
}

/** Merge for metadata: written leaves get the new timestamp, deleted ones disappear. */
function mergeMetadata(
  base: JsonObject | undefined,
  patch: JsonObject,
  timestamp: number,
): JsonObject | undefined {
  const out: JsonObject = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isObject(value)) {
      const existing = own(out, key);
      const merged = mergeMetadata(
        isObject(existing) && !Object.hasOwn(existing, 'timestamp') ? existing : undefined,
        value,
        timestamp,
      );
      if (merged) setOwn(out, key, merged);
      else delete out[key];
    } else setOwn(out, key, mirror(value, timestamp));
  }
  return Object.keys(out).length ? out : undefined;
}

/** §1.3 delta rules: every desired leaf that reported lacks or holds differently, full path kept. */
export function computeDelta(
  desired: JsonObject | undefined,
  reported: JsonObject | undefined,
): JsonObject | undefined {
  if (!desired) return undefined;
  const out: JsonObject = {};
  for (const [key, d] of Object.entries(desired)) {
    const r = own(reported, key);
    if (isObject(d) && isObject(r)) {
      const sub = computeDelta(d, r);
      if (sub) setOwn(out, key, sub);
    } else if (!deepEqual(d, r)) setOwn(out, key, d);
  }
  return Object.keys(out).length ? out : undefined;
}

/** The metadata entries that lie under the delta's paths. */
export function pickMetadata(delta: JsonObject, metadata: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(delta)) {
    const meta = own(metadata, key);
    if (meta === undefined) continue;
    setOwn(
      out,
      key,
      isObject(value) && isObject(meta) && !Object.hasOwn(meta, 'timestamp')
        ? pickMetadata(value, meta)
        : meta,
    );
  }
  return out;
}

export interface UpdateOutcome {
  shadow: StoredShadow;
  /** The `update/accepted` body without clientToken. */
  accepted: JsonObject;
  /** Set when the request carried desired and a difference remains (§1.3 step 6). */
  delta?: JsonObject;
}

/**
 * Applies an update to `current` (undefined for a new shadow whose version continues from
 * `baseVersion`, §1.5). Returns the new document and the bodies to publish, or a ShadowError.
 */
export function applyUpdate(
  current: StoredShadow | undefined,
  request: UpdateRequest,
  nowSeconds: number,
  baseVersion = 0,
  limits: ShadowLimits = DEFAULT_SHADOW_LIMITS,
): UpdateOutcome | ShadowError {
  const version = current?.version ?? baseVersion;
  if (request.version !== undefined && request.version !== version)
    return new ShadowError(409, 'Version conflict');
  const state: StoredShadow['state'] = {};
  const metadata: StoredShadow['metadata'] = {};
  for (const section of ['desired', 'reported'] as const) {
    const patch = request.state === null ? null : request.state[section];
    let value = current?.state[section];
    let meta = current?.metadata[section];
    if (patch === null) {
      value = undefined;
      meta = undefined;
    } else if (patch !== undefined) {
      value = merge(value, patch);
      meta = mergeMetadata(meta, patch, nowSeconds);
    }
    if (value) state[section] = value;
    if (meta && value) metadata[section] = meta;
  }
  if (Buffer.byteLength(JSON.stringify(state)) > limits.maxStateBytes) {
    return new ShadowError(413, 'The payload exceeds the maximum size allowed');
  }
  const shadow: StoredShadow = { state, metadata, version: version + 1, timestamp: nowSeconds };
  const requestState = (request.state ?? null) as JsonValue;
  const accepted: JsonObject = {
    state: requestState,
    metadata: isObject(requestState) ? (mirror(requestState, nowSeconds) as JsonObject) : {},
    version: shadow.version,
    timestamp: nowSeconds,
  };
  const outcome: UpdateOutcome = { shadow, accepted };
  if (request.state?.desired) {
    const delta = computeDelta(state.desired, state.reported);
    if (delta) {
      outcome.delta = {
        version: shadow.version,
        timestamp: nowSeconds,
        state: delta,
        metadata: pickMetadata(delta, metadata.desired),
      };
    }
  }
  return outcome;
}

/** `{state, metadata, version}` as `update/documents` carries it. */
export function snapshot(shadow: StoredShadow): JsonObject {
  return {
    state: { ...shadow.state },
    metadata: { ...shadow.metadata },
    version: shadow.version,
  } as JsonObject;
}

/** The `get/accepted` body (without clientToken): desired, reported and a non-empty delta. */
export function getDocument(shadow: StoredShadow, nowSeconds: number): JsonObject {
  const delta = computeDelta(shadow.state.desired, shadow.state.reported);
  return {
    state: { ...shadow.state, ...(delta ? { delta } : {}) },
    metadata: { ...shadow.metadata },
    version: shadow.version,
    timestamp: nowSeconds,
  } as JsonObject;
}
