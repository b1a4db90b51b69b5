import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { durationMs, parseScenario, ScenarioInvalidError, shareFraction } from '../../fleet/scenario/load.js';
import { scenarioJsonSchema } from '../../fleet/scenario/schema.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const GOOD = `name: smoke
seed: 7
timeScale: 60
duration: 10m
groups:
  - name: sensors
    count: 5
    config: { publicationIntervalS: 3600 }
  - name: trackers
    count: 2
    link: lte-m
timeline:
  - id: cut
    on: all-ready
    do: { action: coverage-loss, group: sensors, share: 20%, duration: 2m }
  - at: 5m
    do: { action: shadow-desired, group: trackers, desired: { led: on } }
  - on: step-done
    step: cut
    after: 30s
    do: { action: fota, group: sensors, version: 1.1.0, stages: [{ share: 10% }, { share: 100%, minSuccess: 95% }] }
expect:
  - expect: all-ready
    within: 60s
  - { expect: fota-success, atLeast: 99% }
`;

function problems(text: string): ScenarioInvalidError {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (err) {
    if (err instanceof ScenarioInvalidError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('scenario files', () => {
  it('reads a valid YAML scenario with its defaults and the line of each step and expectation', () => {
    const { scenario, lines } = parseScenario(GOOD, 'smoke.yaml');
    expect(scenario.groups[0]).toMatchObject({ name: 'sensors', count: 5, app: 'aws_iot', version: '1.0.0' });
    expect(scenario.timeline).toHaveLength(3);
    expect(scenario.timeline[0]?.do).toEqual({
      action: 'coverage-loss',
      group: 'sensors',
      share: '20%',
      duration: '2m',
    });
    expect(lines.timeline).toEqual([13, 16, 18]);
    expect(lines.expect).toEqual([23, 25]);
  });

  it('reads the same scenario as JSON', () => {
    const json = JSON.stringify({
      name: 'j',
      duration: 60,
      groups: [{ name: 'g', count: 1 }],
      expect: [{ expect: 'no-bricked' }],
    });
    const { scenario } = parseScenario(json, 'j.json');
    expect(scenario).toMatchObject({ seed: 1, timeScale: 1, timeline: [] });
  });

  it('refuses a wrong value naming the line, column and field', () => {
    const err = problems(GOOD.replace('share: 20%', 'share: 120 percent'));
    expect(err.code).toBe(ErrorCode.SCENARIO_INVALID);
    expect(err.problems).toEqual([
      { line: 15, column: 57, field: 'timeline[0].do.share', message: expect.stringContaining('percentage') },
    ]);
    expect(err.message).toContain('bad.yaml:15:57: timeline[0].do.share:');
  });

  it('refuses an unknown field at its key, a missing field, an unknown action, and a wrong type', () => {
    const err = problems(`name: x
duration: 1m
groups:
  - name: g
    count: 2
    colour: blue
timeline:
  - at: 1s
    do: { action: explode }
  - do: { action: reboot }
expect:
  - { expect: all-ready }
`);
    const by = Object.fromEntries(err.problems.map((p) => [p.field, p]));
    expect(by['groups[0].colour']).toMatchObject({ line: 6, message: 'unknown field' });
    expect(by['timeline[0].do.action']?.line).toBe(9);
    expect(by['timeline[1]']).toMatchObject({ line: 10, message: expect.stringContaining('at') });
    expect(by['expect[0].within']?.line).toBe(12);
  });

  it('refuses references that do not exist and counts larger than their group', () => {
    const err = problems(`name: x
duration: 1m
groups: [{ name: g, count: 2 }]
timeline:
  - { at: 1s, do: { action: reboot, group: h } }
  - { at: 2s, do: { action: reboot, group: g, count: 3 } }
  - { on: step-done, step: nope, do: { action: pdn-drop } }
`);
    expect(err.problems.map((p) => [p.line, p.field, p.message])).toEqual([
      [5, 'timeline[0].do.group', 'no group h'],
      [6, 'timeline[1].do.count', '3 is more than the 2 devices'],
      [7, 'timeline[2].step', 'no step with id nope'],
    ]);
  });

  it('refuses text that is not YAML, with the line', () => {
    const err = problems('name: x\ngroups: [\n  { name: g\n');
    expect(err.problems[0]?.field).toBe('(syntax)');
    expect(err.problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('durations and shares', () => {
    expect([
      durationMs(90),
      durationMs('500ms'),
      durationMs('2m'),
      durationMs('1.5h'),
      durationMs('1d'),
    ]).toEqual([90_000, 500, 120_000, 5_400_000, 86_400_000]);
    expect([shareFraction('20%'), shareFraction(0.5)]).toEqual([0.2, 0.5]);
  });

  it('publishes its schema: docs/scenario.schema.json is the schema the loader checks against', async () => {
    const published = JSON.parse(await readFile(path.join(repo, 'docs', 'scenario.schema.json'), 'utf8'));
    expect(published).toEqual(scenarioJsonSchema());
  });
});

describe('the example scenarios in docs/examples', () => {
  it.each(['ci-smoke.yaml', 'resilience.yaml'])('%s is valid', async (name) => {
    const text = await readFile(path.join(repo, 'docs', 'examples', name), 'utf8');
    const { scenario } = parseScenario(text, name);
    expect(scenario.expect.length).toBeGreaterThan(0);
  });
});
