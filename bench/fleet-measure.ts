import { readFileSync } from 'node:fs';

/** Resident set size of process `pid` from /proc (Linux), in bytes. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** User + system CPU time of process `pid` so far, in milliseconds (from /proc/<pid>/stat). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name; 100 Hz ticks.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Nearest-rank percentile of sorted values. */
export function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] as number;
}

export const round = (x: number): number => Math.round(x * 10) / 10;

export interface Measured {
  ready: number;
  all_ready_ms: number;
  ready_ms: { p50: number; p95: number; p99: number };
  rss_per_device_kb: number;
  heap_per_device_kb: number;
  idle_cpu_per_device_percent: number;
}

/**
 * Memory and idle CPU of a set of worker processes hosting `count` devices or clients: RSS now
 * minus each worker's RSS before its first device, CPU over an idle window of `idleMs`.
 */
export async function idleFigures(
  pids: Array<{ pid: number; baseRss: number }>,
  count: number,
  idleMs: number,
  sleep: (ms: number) => Promise<void>,
): Promise<{ rssPerKb: number; idleCpuPercent: number }> {
  const before = pids.map((p) => cpuMsOf(p.pid));
  await sleep(idleMs);
  const after = pids.map((p) => cpuMsOf(p.pid));
  const cpuMs = after.reduce((s, a, i) => s + a - (before[i] as number), 0);
  const rss = pids.reduce((s, p) => s + Math.max(0, rssOf(p.pid) - p.baseRss), 0);
  return {
    rssPerKb: round(rss / 1024 / count),
    idleCpuPercent: Math.round(((cpuMs / idleMs) * 100 * 1000) / count) / 1000,
  };
}
