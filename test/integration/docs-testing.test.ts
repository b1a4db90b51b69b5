import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

/** The fenced `ts` blocks of docs/testing.md that start with `// <file name>`, by file name. */
async function guideFiles(): Promise<Map<string, string>> {
  const text = await readFile(path.join(repoRoot, 'docs', 'testing.md'), 'utf8');
  const files = new Map<string, string>();
  for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const block = m[1] ?? '';
    const name = /^\/\/ ([\w.-]+\.ts)\n/.exec(block)?.[1];
    if (name) files.set(name, block);
  }
  return files;
}

function run(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const cleanup: string[] = [];
afterEach(async () => {
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('docs/testing.md', () => {
  it('runs as printed: ten aws_iot devices, a desired change, a job, and nothing left behind', async () => {
    const files = await guideFiles();
    expect([...files.keys()].sort()).toEqual(['fleet.test.ts', 'vitest.config.ts']);
    // A project inside this package, so `import 'nrf91sim'` resolves to its build as after an install.
    await mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
    const project = await mkdtemp(path.join(repoRoot, '.tmp', 'docs-testing-'));
    // The example's temporary directory, to see that its teardown removes what it made.
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'docs-testing-tmp-'));
    cleanup.push(project, tmp);
    for (const [name, source] of files) await writeFile(path.join(project, name), source);

    // The guide's run, not this one: no vitest worker settings handed down.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'NODE_OPTIONS'),
    );
    const vitest = path.join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
    const r = await run([vitest, 'run'], project, { ...env, TMPDIR: tmp, NO_COLOR: '1', CI: '1' });
    expect(r.output).toMatch(/Tests\s+2 passed \(2\)/);
    expect(r.code).toBe(0);
    expect(await readdir(tmp)).toEqual([]);
  }, 300_000);
});
