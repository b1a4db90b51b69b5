import { COLLECTIONS, isCollection, type Collection } from './store.js';

/**
 * `state.json`: every collection as of journal record `sequence`, replaced atomically (temporary
 * file, fsync, rename) when the journal is compacted. Records of the journal up to `sequence` are
 * already in it; replay starts after.
 */

export const SNAPSHOT_FORMAT = 'nrf91sim-broker-state';
export const SNAPSHOT_VERSION = 1;

export interface Snapshot {
  sequence: number;
  collections: Map<Collection, Map<string, unknown>>;
}

export function encodeSnapshot(
  sequence: number,
  tables: ReadonlyMap<Collection, Map<string, unknown>>,
): string {
  const collections: Record<string, Record<string, unknown>> = {};
  for (const name of COLLECTIONS) {
    const table = tables.get(name);
    if (table?.size) collections[name] = Object.fromEntries(table);
  }
  return `${JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, sequence, collections })}\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `state.json`; returns what is wrong as a string when it is not a snapshot this version reads. */
export function decodeSnapshot(text: string): Snapshot | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
  if (!isPlainObject(value) || value.format !== SNAPSHOT_FORMAT) return 'not an nrf91sim broker state file';
  if (value.version !== SNAPSHOT_VERSION)
    return `unknown state version ${JSON.stringify(value.version)} (this nrf91sim reads version ${SNAPSHOT_VERSION})`;
  if (!Number.isSafeInteger(value.sequence) || (value.sequence as number) < 0)
    return 'sequence: expected a whole number';
  if (!isPlainObject(value.collections)) return 'collections: expected an object';
  const collections = new Map<Collection, Map<string, unknown>>();
  for (const [name, records] of Object.entries(value.collections)) {
    if (!isCollection(name)) return `collections: unknown collection ${JSON.stringify(name)}`;
    if (!isPlainObject(records)) return `collections.${name}: expected an object of records`;
    collections.set(name, new Map(Object.entries(records)));
  }
  return { sequence: value.sequence as number, collections };
}
