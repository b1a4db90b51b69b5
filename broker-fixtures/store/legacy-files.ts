import { promises as fs } from 'node:fs';
import path from 'node:path';
import { COLLECTIONS, type Collection } from './store.js';

/**
 * Earlier versions kept one JSON object per collection (`things.json`, `shadows.json`, …), each
 * replaced on its own, which let a crash leave files that disagree. They are read once, checked like
 * any state, moved into the snapshot, then removed.
 */
export function legacyFile(dir: string, collection: Collection): string {
  return path.join(dir, `${collection}.json`);
}

export interface LegacyState {
  tables: Map<Collection, Map<string, unknown>>;
  files: string[];
}

/** Reads the per-collection files; returns what is wrong (with the file) when one is not a JSON object. */
export async function readLegacyFiles(dir: string): Promise<LegacyState | { file: string; problem: string }> {
  const tables = new Map<Collection, Map<string, unknown>>();
  const files: string[] = [];
  for (const collection of COLLECTIONS) {
    const file = legacyFile(dir, collection);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    files.push(file);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { file, problem: `not valid JSON (${(err as Error).message})` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { file, problem: 'expected a JSON object of records' };
    tables.set(collection, new Map(Object.entries(value)));
  }
  return { tables, files };
}
