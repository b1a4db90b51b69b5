import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

/** The fenced block of `doc` whose first line is `// <name>`. */
async function docExample(doc: string, name: string): Promise<string> {
  const text = await readFile(path.join(repoRoot, 'docs', doc), 'utf8');
  const block = [...text.matchAll(/```js\n([\s\S]*?)```/g)]
    .map((m) => m[1] ?? '')
    .find((b) => b.startsWith(`// ${name}\n`));
  if (!block) throw new Error(`no example ${name} in docs/${doc}`);
  return block;
}

/** Runs ES module source with node from the repository, where `nrf91sim` is this package (dist/). */
function runModule(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module'], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(source);
  });
}

describe('docs/freertos.md', () => {
  it('the complete example runs as printed and says what the doc says it prints', async () => {
    const r = await runModule(await docExample('freertos.md', 'freertos-shadow-example.mjs'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'connect: eShadowSuccess',
      'register callbacks: eShadowSuccess',
      'report powerOn 0: eShadowSuccess',
      'delta: powerOn 1 (version 2)',
      'report powerOn 1: eShadowSuccess',
      'get: eShadowSuccess',
      'document: {"desired":{"powerOn":1},"reported":{"powerOn":1}}',
      'stale update: 409',
      'disconnect: eShadowSuccess',
    ]);
  });
});
