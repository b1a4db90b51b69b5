import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioReport } from '../../fleet/scenario/index.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-scenario-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// Two groups on accelerated time, a coverage loss for a share of one, a shadow change for the
// other; every expectation holds except the last, which no device can meet.
const SMOKE = `name: smoke
seed: 7
timeScale: 20
duration: 4m
batteryMah: 1000
groups:
  - name: sensors
    count: 3
    config: { publicationIntervalS: 3600 }
  - name: trackers
    count: 2
timeline:
  - id: cut
    on: all-ready
    after: 5s
    do: { action: coverage-loss, group: sensors, share: 34%, duration: 30s }
  - on: step-done
    step: cut
    do: { action: signal, group: trackers, count: 1, rsrp: -112 }
  - at: 20s
    do: { action: shadow-desired, group: trackers, desired: { led: on } }
  - at: 60s
    do:
      action: fota
      group: trackers
      version: 1.1.0
      stages: [{ share: 50% }, { share: 100%, minSuccess: 95% }]
expect:
  # Boot is wall-bound work: at time scale 20 a loaded machine's second is 20 s of device time.
  - { expect: all-ready, within: 3m }
  - { expect: no-bricked }
  - { expect: ready-at-end, atLeast: 100% }
  - { expect: shadow-updated, atLeast: 100% }
  - { expect: energy, group: sensors, averageUa: { under: 20000 } }
  - { expect: fota-success, atLeast: 99% }
  - { expect: boot-to-ready-p95, under: 1ms }
`;

/** The line of the first line of SMOKE containing `text`. */
const lineOf = (text: string): number => SMOKE.split('\n').findIndex((l) => l.includes(text)) + 1;

async function run(
  name: string,
  extra: string[] = [],
): Promise<{ code: number | null; stderr: string; report: ScenarioReport; stdout: string }> {
  const file = path.join(dir, 'smoke.yaml');
  await fs.writeFile(file, SMOKE);
  const report = path.join(dir, `${name}.json`);
  const r = await runCli([
    'scenario',
    'run',
    file,
    '--state',
    path.join(dir, name),
    '--report',
    report,
    ...extra,
  ]);
  return { ...r, report: JSON.parse(await fs.readFile(report, 'utf8')) as ScenarioReport };
}

describe('nrf91sim scenario run', () => {
  it('runs a two-group story with a coverage loss, a shadow change and a staged FOTA; the failing expectation exits 1 naming its line', async () => {
    const first = await run('first');
    expect(first.code).toBe(1);
    const failing = lineOf('boot-to-ready-p95');
    expect(first.stderr).toMatch(
      new RegExp(`FAIL .*smoke\\.yaml:${failing} boot-to-ready-p95 < 1 ms: p95 of 5 of 5 devices`),
    );
    const results = first.report.expectations.map((e) => [e.line, e.expect, e.pass]);
    expect(results).toEqual([
      [lineOf('expect: all-ready'), 'all-ready', true],
      [lineOf('expect: no-bricked'), 'no-bricked', true],
      [lineOf('expect: ready-at-end'), 'ready-at-end', true],
      [lineOf('expect: shadow-updated'), 'shadow-updated', true],
      [lineOf('expect: energy'), 'energy', true],
      [lineOf('expect: fota-success'), 'fota-success', true],
      [failing, 'boot-to-ready-p95', false],
    ]);
    // Measured values are in the report: the last READY in device time, the sensors' mean current.
    const allReady = first.report.expectations[0];
    expect(allReady?.measured).toBeGreaterThan(0);
    expect(allReady?.measured).toBeLessThanOrEqual(180_000);
    expect(first.report.expectations[4]?.measured).toBeGreaterThan(2.7);
    const [cut, signal, shadow, fota] = first.report.steps;
    expect(cut?.targets).toHaveLength(1);
    expect(cut?.targets[0]).toMatch(/^sensors-\d$/);
    expect(cut?.errors).toEqual([]);
    expect((cut?.doneAt ?? 0) - (cut?.startedAt ?? 0)).toBeGreaterThanOrEqual(30_000);
    expect(signal?.startedAt).toBeGreaterThanOrEqual(cut?.doneAt ?? Infinity);
    expect(shadow?.targets).toEqual(['trackers-0', 'trackers-1']);
    // The staged campaign: one tracker first, then the other once the first succeeded.
    expect(fota?.errors).toEqual([]);
    const stages = first.report.trace.filter((e) => e.action?.startsWith('fota stage'));
    expect(stages.map((e) => [e.action, e.targets?.length])).toEqual([
      ['fota stage 1', 1],
      ['fota stage 2', 1],
    ]);
    expect(first.report.devices.filter((d) => d.group === 'trackers').map((d) => d.version)).toEqual([
      '1.1.0',
      '1.1.0',
    ]);
    // The device that lost coverage went through a disconnect and came back READY.
    const lost = first.report.trace.filter((e) => e.device === cut?.targets[0]).map((e) => e.phase);
    expect(lost).toContain('disconnected');
    expect(lost.at(-1)).toBe('ready');
    expect(first.report.groups.map((g) => [g.name, g.count, g.ready])).toEqual([
      ['sensors', 3, 3],
      ['trackers', 2, 2],
    ]);
    expect(first.report.groups[0]?.batteryLifeDays).toBeGreaterThan(0);

    // The same seed picks the same devices and reaches the same verdicts.
    const again = await run('again', ['--json']);
    expect(again.code).toBe(1);
    expect(again.report.steps.map((s) => s.targets)).toEqual(first.report.steps.map((s) => s.targets));
    expect(again.report.expectations.map((e) => e.pass)).toEqual(
      first.report.expectations.map((e) => e.pass),
    );
    const verdict = again.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; verdict?: string })
      .find((e) => e.event === 'verdict');
    expect(verdict?.verdict).toBe('fail');
  }, 120_000);

  it('refuses a malformed file with the line and field, before booting anything', async () => {
    const file = path.join(dir, 'bad.yaml');
    await fs.writeFile(file, SMOKE.replace('share: 34%', 'share: lots'));
    const r = await runCli(['scenario', 'run', file, '--state', path.join(dir, 'bad')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:${lineOf('share: 34%')}:`);
    expect(r.stderr).toContain('timeline[0].do.share: a percentage such as 20%');
    await expect(fs.access(path.join(dir, 'bad', 'devices'))).rejects.toThrow();
  });
});
