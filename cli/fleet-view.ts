import type { FleetRunner, FleetSummary } from '../fleet/index.js';

const BAR = 30;
const PHASES = [
  'queued',
  'provisioning',
  'booting',
  'registered',
  'connected',
  'ready',
  'disconnected',
  'failed',
] as const;

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.round((done / total) * BAR) : BAR;
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${done}/${total}`;
}

function pad(text: string | number, width: number): string {
  return String(text).padStart(width);
}

/** The live view's text: the ramp's progress bar, devices by phase, errors by cause, the workers. */
export function renderFleet(runner: FleetRunner, elapsedS: number): string {
  const { stats } = runner;
  const total = stats.devices.size;
  const phases = stats.phases();
  const summary = stats.summary();
  const lines = [
    `fleet    ${total} devices, ${stats.workerState.size} workers, ${elapsedS.toFixed(0)} s`,
    `ramp     ${bar(runner.launched, total)}`,
    `ready    ${bar(summary.ready, total)}`,
    '',
    PHASES.map((p) => pad(p, 13)).join(''),
    PHASES.map((p) => pad(phases[p] ?? 0, 13)).join(''),
    '',
    `boot→READY p50 ${summary.boot_to_ready_ms.p50} ms  p95 ${summary.boot_to_ready_ms.p95} ms  p99 ${summary.boot_to_ready_ms.p99} ms   messages/s ${summary.messages_per_s}`,
  ];
  const errors = Object.entries(summary.errors).sort((a, b) => b[1] - a[1]);
  lines.push(
    errors.length === 0
      ? 'errors   none'
      : `errors   ${errors
          .slice(0, 6)
          .map(([cause, n]) => `${cause} ×${n}`)
          .join('  ')}`,
  );
  lines.push(
    '',
    `${pad('worker', 8)}${pad('pid', 9)}${pad('devices', 9)}${pad('RSS MB', 9)}${pad('CPU %', 8)}${pad('msg/s', 8)}`,
  );
  for (const w of stats.workers()) {
    lines.push(
      `${pad(w.index, 8)}${pad(w.pid ?? '-', 9)}${pad(w.devices, 9)}${pad((w.rssKb / 1024).toFixed(1), 9)}${pad(
        w.cpuPercent,
        8,
      )}${pad(w.messagesPerS, 8)}${w.alive ? '' : `  ${w.exit ?? 'exited'}`}`,
    );
  }
  return lines.join('\n');
}

/** The summary for people. */
export function formatSummary(s: FleetSummary): string {
  const errors = Object.entries(s.errors);
  return [
    `summary  ${s.ready}/${s.devices} READY, ${s.failed} failed, ${s.workers} workers, ${Math.round(s.elapsed_ms / 100) / 10} s`,
    `         boot→READY p50 ${s.boot_to_ready_ms.p50} ms, p95 ${s.boot_to_ready_ms.p95} ms, p99 ${s.boot_to_ready_ms.p99} ms` +
      (s.all_ready_ms !== undefined ? `; all READY after ${s.all_ready_ms} ms` : ''),
    `         RSS ${s.rss_per_device_kb} KB per device (heap ${s.heap_per_device_kb} KB), ${s.messages_per_s} messages/s`,
    `         errors ${errors.length === 0 ? 'none' : errors.map(([c, n]) => `${c} ×${n}`).join(', ')}`,
  ].join('\n');
}
