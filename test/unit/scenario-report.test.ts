import { describe, expect, it } from 'vitest';
import { expectationLine, reportHtml, type ScenarioReport } from '../../fleet/scenario/index.js';
import { judge } from '../../fleet/scenario/verdict.js';

const devices = [
  {
    name: 'g-0',
    group: 'g',
    thing: 'nrf-1',
    phase: 'ready',
    readyAt: 4000,
    bootToReadyMs: 3500,
    bricked: false,
    averageUa: 10,
  },
  {
    name: 'g-1',
    group: 'g',
    thing: 'nrf-2',
    phase: 'ready',
    readyAt: 9000,
    bootToReadyMs: 8000,
    bricked: false,
    averageUa: 30,
  },
  { name: 'h-0', group: 'h', thing: 'nrf-3', phase: 'failed', bricked: true },
];
const steps = {
  shadow: [{ thing: 'nrf-1', updated: true }],
  fota: [
    { device: 'g-0', succeeded: true },
    { device: 'g-1', succeeded: false },
  ],
};

describe('expectations judged on measured values', () => {
  it('all-ready, p95, bricked, ready at the end, shadow, FOTA and energy', () => {
    const r = (e: Parameters<typeof judge>[0]) => judge(e, 12, devices, steps);
    expect(r({ expect: 'all-ready', group: 'g', within: '10s' })).toMatchObject({
      pass: true,
      measured: 9000,
    });
    expect(r({ expect: 'all-ready', within: '10s' })).toMatchObject({
      pass: false,
      measured: null,
      detail: '2 of 3 READY, the last at 9.0 s',
    });
    expect(r({ expect: 'boot-to-ready-p95', group: 'g', under: '8s' })).toMatchObject({
      pass: false,
      measured: 8000,
    });
    expect(r({ expect: 'no-bricked' })).toMatchObject({ pass: false, measured: 1, detail: 'bricked: h-0' });
    expect(r({ expect: 'ready-at-end', atLeast: '60%' })).toMatchObject({ pass: true, measured: 2 / 3 });
    expect(r({ expect: 'shadow-updated', atLeast: 1 })).toMatchObject({ pass: true, measured: 1 });
    expect(r({ expect: 'fota-success', atLeast: '99%' })).toMatchObject({ pass: false, measured: 0.5 });
    expect(r({ expect: 'energy', group: 'g', averageUa: { under: 25 } })).toMatchObject({
      pass: true,
      measured: 20,
    });
    expect(r({ expect: 'energy', averageUa: { under: 25 } }).pass).toBe(false);
    expect(expectationLine('s.yaml', r({ expect: 'fota-success', atLeast: '99%' }))).toBe(
      'FAIL s.yaml:12 fota-success ≥ 99.0%: 1 of 2 devices updated (50.0%)',
    );
  });

  it('the HTML report shows the verdict, each expectation with its line, and escapes what it prints', () => {
    const report: ScenarioReport = {
      scenario: 'x<y',
      file: 's.yaml',
      seed: '1',
      timeScale: 20,
      durationMs: 60_000,
      wallMs: 3000,
      verdict: 'fail',
      expectations: [judge({ expect: 'no-bricked' }, 7, devices, steps)],
      groups: [{ name: 'g', count: 2, ready: 2, averageUa: 20, totalUah: 1, batteryLifeDays: 100 }],
      steps: [
        { index: 0, line: 5, action: 'reboot', targets: ['g-0'], errors: [], startedAt: 1000, doneAt: 1200 },
      ],
      devices,
      trace: [],
    };
    const html = reportHtml(report);
    expect(html).toContain('<title>x&#60;y: fail</title>');
    expect(html).toContain('<td class="fail">FAIL</td><td>7</td><td>no-bricked</td>');
    expect(html).toContain('<td>g-0</td>');
  });
});
