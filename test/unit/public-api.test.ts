import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as root from '../../index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Documented {
  values: Set<string>;
  types: Set<string>;
}

/**
 * The names docs/api.md documents: in each bullet under a `##` heading, the backticked words before
 * the dash; a bullet starting with `types` lists type names, any other bullet values.
 */
function documentedNames(markdown: string): Documented {
  const values = new Set<string>();
  const types = new Set<string>();
  let inArea = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) inArea = true;
    if (!inArea || !line.startsWith('- ')) continue;
    const head = line.slice(2).split(' — ')[0] ?? '';
    const into = /^types? /.test(head) ? types : values;
    for (const m of head.matchAll(/`([A-Za-z_$][\w$]*)`/g)) {
      const name = m[1] ?? '';
      if (values.has(name) || types.has(name)) throw new Error(`docs/api.md lists ${name} twice`);
      into.add(name);
    }
  }
  return { values, types };
}

/** The names index.ts exports as types (`type X` in its export lists); the rest are values. */
function rootExports(source: string): Documented {
  const values = new Set<string>();
  const types = new Set<string>();
  for (const m of source.matchAll(/export (type )?\{([^}]*)\} from '[^']+';/g)) {
    for (const entry of (m[2] ?? '').split(',')) {
      const name = entry.trim();
      if (!name) continue;
      const typeOnly = m[1] !== undefined || name.startsWith('type ');
      const bare =
        name
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)
          .pop() ?? name;
      (typeOnly ? types : values).add(bare);
    }
  }
  return { values, types };
}

const sorted = (s: Iterable<string>): string[] => [...s].sort();
const minus = (a: Set<string>, b: Set<string>): string[] => sorted([...a].filter((x) => !b.has(x)));

describe('the package root', () => {
  it('exports at run time exactly the values docs/api.md lists', async () => {
    const doc = documentedNames(await readFile(path.join(repo, 'docs', 'api.md'), 'utf8'));
    const runtime = new Set(Object.keys(root));
    expect({ undocumented: minus(runtime, doc.values), missing: minus(doc.values, runtime) }).toEqual({
      undocumented: [],
      missing: [],
    });
  });

  it('exports exactly the types docs/api.md lists', async () => {
    const doc = documentedNames(await readFile(path.join(repo, 'docs', 'api.md'), 'utf8'));
    const index = rootExports(await readFile(path.join(repo, 'index.ts'), 'utf8'));
    expect({ undocumented: minus(index.types, doc.types), missing: minus(doc.types, index.types) }).toEqual({
      undocumented: [],
      missing: [],
    });
  });

  it('lists in index.ts the same values it exports at run time', async () => {
    const index = rootExports(await readFile(path.join(repo, 'index.ts'), 'utf8'));
    expect(sorted(index.values)).toEqual(sorted(Object.keys(root)));
  });

  it('keeps the modem internals out', () => {
    // The hub's parts: code on a device reaches the modem through DeviceModem, tests through control.
    for (const internal of [
      'CommandTable',
      'DataPath',
      'FunctionalModeState',
      'StreamSocket',
      'TlsSession',
    ]) {
      expect(Object.keys(root)).not.toContain(internal);
    }
  });
});
