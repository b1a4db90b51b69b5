import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { createLogUpdate } from 'log-update';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { validateTimeScale } from '../../core/scaled-clock.js';
import type { FleetRunner } from '../../fleet/index.js';
import {
  expectationLine,
  loadScenario,
  reportHtml,
  runScenario,
  type ScenarioEvent,
  type ScenarioReport,
} from '../../fleet/scenario/index.js';
import type { CliEnv } from '../env.js';
import { renderFleet } from '../fleet-view.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

interface RunOptions {
  seed?: string;
  json?: boolean;
  report?: string;
  trace?: string;
  workers?: string;
  timeScale?: string;
  state?: string;
}

function describeEvent(e: ScenarioEvent): string | undefined {
  const t = `${(e.t / 1000).toFixed(1).padStart(7)} s`;
  switch (e.kind) {
    case 'step':
      return `${t}  step ${e.step} ${e.action} on ${e.targets?.length ?? 0} device(s)${
        e.targets && e.targets.length <= 8 && e.targets.length > 0 ? `: ${e.targets.join(' ')}` : ''
      }`;
    case 'step-done':
      return `${t}  step ${e.step} ${e.action} done`;
    case 'step-error':
      return `${t}  step ${e.step}: ${e.message}`;
    case 'all-ready':
      return `${t}  all devices READY`;
    case 'end':
      return `${t}  end of the story`;
    default:
      return undefined;
  }
}

async function writeReport(file: string, report: ScenarioReport): Promise<void> {
  const body = file.endsWith('.html') ? reportHtml(report) : `${JSON.stringify(report, null, 2)}\n`;
  await writeFileAtomic(file, body);
}

export function registerScenario(program: Command, env: CliEnv): void {
  const scenario = program.command('scenario').description('scripted, seeded fleet stories with a verdict');
  scenario
    .command('run <file>')
    .description(
      'run a scenario file (YAML or JSON, docs/scenario.schema.json): boot its groups, play its timeline, judge its expectations; exit 1 when one fails',
    )
    .option('--seed <seed>', "seed for every choice of devices (default: the file's seed)")
    .option('--json', 'print the timeline and the result as JSON lines')
    .option('--report <file>', 'write the report: out.json or out.html')
    .option('--trace <file>', 'write every device and timeline event as JSON lines')
    .option('--workers <n>', 'worker processes (default: one per 50 devices, at most one per core)')
    .option(
      '--time-scale <K>',
      "run device time K times faster than wall time (default: the file's timeScale)",
    )
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .action(async (file: string, options: RunOptions) => {
      const out = new Output(options.json === true);
      let stopView: (() => void) | undefined;
      try {
        const workers = options.workers === undefined ? undefined : Number(options.workers);
        if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
          throw new SimError(ErrorCode.INVALID_ARGUMENT, `--workers ${options.workers}: a whole number ≥ 1`);
        }
        if (options.report !== undefined && !/\.(json|html)$/.test(options.report)) {
          throw new SimError(
            ErrorCode.INVALID_ARGUMENT,
            `--report ${options.report}: name a .json or .html file`,
          );
        }
        const loaded = await loadScenario(file);
        if (options.timeScale !== undefined) {
          loaded.scenario.timeScale = validateTimeScale(Number(options.timeScale), '--time-scale');
        }
        const tty = !out.json && process.stdout.isTTY;
        const recent: string[] = [];
        const onEvent = (e: ScenarioEvent): void => {
          if (out.json) {
            if (e.kind !== 'phase') out.event(`scenario-${e.kind}`, { ...e }, '');
            return;
          }
          const line = describeEvent(e);
          if (!line) return;
          if (tty) recent.push(line);
          else process.stdout.write(`${line}\n`);
        };
        const onFleet = (runner: FleetRunner): void => {
          if (!tty) return;
          const view = createLogUpdate(process.stdout);
          const started = env.clock.monotonic();
          const draw = (): void =>
            view(
              `${recent.slice(-8).join('\n')}\n\n${renderFleet(runner, (env.clock.monotonic() - started) / 1000)}`,
            );
          const timer = env.clock.setInterval(draw, 250);
          stopView = () => {
            timer.cancel();
            draw();
            view.done();
          };
        };
        const report = await runScenario({
          loaded,
          stateDir: stateDirFrom(options.state),
          clock: env.clock,
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
          ...(workers !== undefined ? { workers } : {}),
          onEvent,
          onFleet,
        });
        stopView?.();
        stopView = undefined;
        if (options.report) await writeReport(options.report, report);
        if (options.trace) {
          await writeFile(options.trace, report.trace.map((e) => JSON.stringify(e)).join('\n') + '\n');
        }
        for (const e of report.expectations) {
          out.event('expectation', { ...e }, expectationLine(file, e));
        }
        for (const g of report.groups) {
          out.event(
            'group',
            { ...g },
            `group ${g.name}: ${g.ready}/${g.count} READY at the end, ${g.averageUa === null ? '—' : g.averageUa.toFixed(2)} µA mean` +
              (g.batteryLifeDays === null ? '' : `, ${g.batteryLifeDays.toFixed(0)} days of battery`),
          );
        }
        out.event(
          'verdict',
          { verdict: report.verdict, scenario: report.scenario, seed: report.seed, wallMs: report.wallMs },
          `${report.verdict === 'pass' ? 'PASS' : 'FAIL'} ${report.scenario} (seed ${report.seed}, ${(report.wallMs / 1000).toFixed(1)} s)`,
        );
        if (report.verdict === 'fail') {
          const failed = report.expectations.filter((e) => !e.pass).map((e) => expectationLine(file, e));
          if (!out.json) {
            process.stderr.write(`nrf91sim: scenario ${report.scenario} failed:\n${failed.join('\n')}\n`);
          }
          process.exitCode = EXIT_FAILURE;
        }
      } catch (err) {
        stopView?.();
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      }
    });
}
