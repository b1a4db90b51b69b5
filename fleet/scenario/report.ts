import type { ScenarioReport } from './run.js';
import type { ExpectationResult } from './verdict.js';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(n: number | null, digits = 2): string {
  return n === null ? '—' : n.toFixed(digits);
}

/** One line per expectation, as the CLI prints it: `PASS line 23 all-ready …`. */
export function expectationLine(file: string, e: ExpectationResult): string {
  return `${e.pass ? 'PASS' : 'FAIL'} ${file}:${e.line} ${e.expect}${e.group ? ` (${e.group})` : ''} ${e.threshold}: ${e.detail}`;
}

/** The report as a self-contained HTML page. */
export function reportHtml(r: ScenarioReport): string {
  const rows = (cells: Array<string | number>): string =>
    `<tr>${cells.map((c) => `<td>${escape(String(c))}</td>`).join('')}</tr>`;
  const head = (cells: string[]): string => `<tr>${cells.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(r.scenario)}: ${r.verdict}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.pass{color:#070}.fail{color:#b00}</style></head>
<body>
<h1>${escape(r.scenario)} <span class="${r.verdict}">${r.verdict.toUpperCase()}</span></h1>
<p>${escape(r.file)} · seed ${escape(r.seed)} · time scale ${r.timeScale} · ${(r.durationMs / 1000).toFixed(0)} s of device time in ${(r.wallMs / 1000).toFixed(1)} s</p>
<h2>Expectations</h2>
<table>${head(['', 'line', 'expectation', 'threshold', 'measured'])}
${r.expectations
  .map(
    (e) =>
      `<tr><td class="${e.pass ? 'pass' : 'fail'}">${e.pass ? 'PASS' : 'FAIL'}</td><td>${e.line}</td><td>${escape(
        `${e.expect}${e.group ? ` (${e.group})` : ''}`,
      )}</td><td>${escape(e.threshold)}</td><td>${escape(e.detail)}</td></tr>`,
  )
  .join('\n')}</table>
<h2>Groups</h2>
<table>${head(['group', 'devices', 'READY at the end', 'mean µA (µAh/h)', 'total µAh', 'battery life (days)'])}
${r.groups.map((g) => rows([g.name, g.count, g.ready, fmt(g.averageUa), fmt(g.totalUah), fmt(g.batteryLifeDays, 0)])).join('\n')}</table>
<h2>Timeline</h2>
<table>${head(['line', 'step', 'started (s)', 'done (s)', 'devices', 'errors'])}
${r.steps
  .map((s) =>
    rows([
      s.line,
      `${s.id ? `${s.id}: ` : ''}${s.action}`,
      s.startedAt === undefined ? 'not run' : (s.startedAt / 1000).toFixed(1),
      s.doneAt === undefined ? '—' : (s.doneAt / 1000).toFixed(1),
      s.targets.join(' '),
      s.errors.join('; '),
    ]),
  )
  .join('\n')}</table>
<h2>Devices</h2>
<table>${head(['device', 'group', 'thing', 'phase', 'READY at (s)', 'boot to READY (s)', 'mean µA', 'bricked'])}
${r.devices
  .map((d) =>
    rows([
      d.name,
      d.group,
      d.thing,
      d.phase,
      d.readyAt === undefined ? '—' : (d.readyAt / 1000).toFixed(1),
      d.bootToReadyMs === undefined ? '—' : (d.bootToReadyMs / 1000).toFixed(1),
      d.averageUa === undefined ? '—' : d.averageUa.toFixed(2),
      d.bricked ? 'yes' : 'no',
    ]),
  )
  .join('\n')}</table>
</body></html>
`;
}
