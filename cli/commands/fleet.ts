import type { Command } from 'commander';
import { createLogUpdate } from 'log-update';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { isLinkPresetName, LINK_PRESET_NAMES } from '../../core/link.js';
import { validateDeviceName } from '../../firmware/device.js';
import {
  FLEET_APPS,
  sendFleetRequest,
  startFleet,
  type FleetSession,
  type FleetSummary,
  type WorkerStatus,
} from '../../fleet/index.js';
import type { CliEnv } from '../env.js';
import { formatSummary, renderFleet } from '../fleet-view.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom, untilSignal } from '../output.js';
import { parseControl } from './device-control.js';

interface BootOptions {
  count: string;
  app: string;
  rate?: string;
  duration?: string;
  untilReady?: boolean;
  link: string;
  workers?: string;
  workerKind: string;
  prefix?: string;
  state?: string;
  json?: boolean;
}

function bad(message: string): SimError {
  return new SimError(ErrorCode.INVALID_ARGUMENT, message);
}

function positive(text: string | undefined, what: string, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw bad(`${what}: a positive ${integer ? 'whole ' : ''}number expected, got ${JSON.stringify(text)}`);
  }
  return n;
}

const REDRAW_MS = 250;

/** Prints the fleet as it goes: JSON lines, the live view on a TTY, or a line per 5 s otherwise. */
function follow(session: FleetSession, out: Output, clock: Clock): () => void {
  const { runner } = session;
  const started = clock.monotonic();
  if (out.json) {
    runner.on('device', (device, phase, cause, ms) =>
      out.event('device', { device, phase, ms: Math.round(ms), ...(cause ? { cause } : {}) }, ''),
    );
    runner.on('device-error', (device, cause) => out.event('device-error', { device, cause }, ''));
    runner.on('worker-exit', (worker, cause) => out.event('worker-exit', { worker, cause }, ''));
    return () => undefined;
  }
  runner.on('worker-exit', (worker, cause, stderr) =>
    process.stderr.write(
      `worker ${worker} ended (${cause}); its devices failed\n${stderr.trim().split('\n').slice(-3).join('\n')}\n`,
    ),
  );
  if (process.stdout.isTTY) {
    const view = createLogUpdate(process.stdout);
    const draw = (): void => view(renderFleet(runner, (clock.monotonic() - started) / 1000));
    const timer = clock.setInterval(draw, REDRAW_MS);
    draw();
    return () => {
      timer.cancel();
      draw();
      view.done();
    };
  }
  const timer = clock.setInterval(() => {
    const s = runner.stats.summary();
    out.event(
      '',
      {},
      `fleet    ${runner.launched}/${s.devices} booted, ${s.ready} READY, ${s.failed} failed`,
    );
  }, 5000);
  return () => timer.cancel();
}

async function runUntilDone(
  session: FleetSession,
  options: BootOptions,
  duration: number | undefined,
  clock: Clock,
): Promise<void> {
  const done = new AbortController();
  const waits: Array<Promise<unknown>> = [untilSignal()];
  if (duration !== undefined) waits.push(clock.sleep(duration * 1000, done.signal).catch(() => undefined));
  if (options.untilReady) waits.push(session.runner.whenSettled());
  await Promise.race(waits);
  // A pending wait would keep the process alive after the summary.
  done.abort();
}

export function registerFleet(program: Command, env: CliEnv): void {
  const fleet = program.command('fleet').description('run many devices over worker processes');
  fleet
    .command('boot')
    .description('provision and boot N devices over worker processes, with a live view')
    .requiredOption('--count <n>', 'how many devices')
    .option('--app <name>', `the application: ${Object.keys(FLEET_APPS).join(' | ')}`, 'aws_iot')
    .option('--rate <n>', 'devices booted per second (default: all at once)')
    .option('--duration <s>', 'stop after this many seconds (default: at Ctrl-C)')
    .option('--until-ready', 'stop once every device is READY or failed')
    .option('--link <preset>', `the devices' radio link: ${LINK_PRESET_NAMES.join(' | ')}`, 'ideal')
    .option('--workers <n>', 'worker processes (default: one per core)')
    .option('--worker-kind <kind>', 'process | thread', 'process')
    .option('--prefix <name>', 'device names are <prefix>-<i>', 'fleet')
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'one JSON event per line, then the summary')
    .action(async (options: BootOptions) => {
      const out = new Output(options.json === true);
      let session: FleetSession | undefined;
      try {
        const count = positive(options.count, '--count', true) as number;
        const rate = positive(options.rate, '--rate', false);
        const duration = positive(options.duration, '--duration', false);
        const workers = positive(options.workers, '--workers', true);
        if (!isLinkPresetName(options.link)) {
          throw bad(`--link ${options.link}: expected one of ${LINK_PRESET_NAMES.join(', ')}`);
        }
        if (options.workerKind !== 'process' && options.workerKind !== 'thread') {
          throw bad(`--worker-kind ${options.workerKind}: expected process or thread`);
        }
        if (options.prefix !== undefined) validateDeviceName(`${options.prefix}-${count - 1}`);
        const stateDir = stateDirFrom(options.state);
        session = await startFleet({
          stateDir,
          count,
          app: options.app,
          ...(rate !== undefined ? { rate } : {}),
          link: options.link,
          ...(workers !== undefined ? { workers } : {}),
          workerKind: options.workerKind,
          ...(options.prefix ? { prefix: options.prefix } : {}),
          clock: env.clock,
          random: env.fresh(),
        });
        out.event(
          'fleet',
          {
            devices: count,
            workers: session.runner.stats.workerState.size,
            app: options.app,
            broker: `${session.broker.endpoint}:${session.broker.mqttPort}`,
            brokerStarted: session.broker.started,
          },
          `fleet    ${count} × ${options.app} on ${session.runner.stats.workerState.size} workers, broker ${session.broker.started ? 'started here' : 'running'} on port ${session.broker.mqttPort}`,
        );
        const stopView = follow(session, out, env.clock);
        await runUntilDone(session, options, duration, env.clock);
        stopView();
        const summary: FleetSummary = await session.stop();
        session = undefined;
        if (out.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else process.stdout.write(`${formatSummary(summary)}\n`);
        if (summary.failed > 0 || (options.untilReady && summary.ready < summary.devices)) {
          process.exitCode = EXIT_FAILURE;
        }
      } catch (err) {
        await session?.stop().catch(() => undefined);
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      }
    });

  fleet
    .command('status')
    .description('the running fleet: devices by phase, errors, workers')
    .option('--devices', 'list every device with its phase')
    .option('--state <dir>', 'state directory of the running fleet')
    .option('--json', 'print JSON')
    .action(async (options: { devices?: boolean; state?: string; json?: boolean }) => {
      const out = new Output(options.json === true);
      try {
        const status = (await sendFleetRequest(stateDirFrom(options.state), {
          action: 'status',
          ...(options.devices ? { devices: true } : {}),
        })) as {
          launched: number;
          phases: Record<string, number>;
          summary: FleetSummary;
          workers: WorkerStatus[];
          devices?: Array<{ name: string; phase: string; cause?: string }>;
        };
        if (out.json) {
          process.stdout.write(`${JSON.stringify(status)}\n`);
          return;
        }
        const s = status.summary;
        const lines = [
          `fleet    ${s.devices} devices, ${status.launched} booted, ${s.ready} READY, ${s.failed} failed`,
          `phases   ${Object.entries(status.phases)
            .map(([p, n]) => `${p} ${n}`)
            .join(', ')}`,
          `errors   ${
            Object.entries(s.errors)
              .map(([c, n]) => `${c} ×${n}`)
              .join(', ') || 'none'
          }`,
          ...status.workers.map(
            (w) =>
              `worker ${w.index} pid ${w.pid ?? '-'}: ${w.devices} devices, ${(w.rssKb / 1024).toFixed(1)} MB${w.alive ? '' : `, ${w.exit}`}`,
          ),
          ...(status.devices ?? []).map((d) => `${d.name} ${d.phase}${d.cause ? ` (${d.cause})` : ''}`),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      } catch (err) {
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      }
    });

  fleet
    .command('attach <device>')
    .description("open one fleet device's AT port on demand (a PTY, or a TCP listener)")
    .option('--serial <spec>', 'pty | pty:/path/to/link | tcp:PORT (tcp:0 picks a free port)', 'pty')
    .option('--state <dir>', 'state directory of the running fleet')
    .option('--json', 'print JSON')
    .action(async (device: string, options: { serial: string; state?: string; json?: boolean }) => {
      const out = new Output(options.json === true);
      try {
        validateDeviceName(device);
        const result = (await sendFleetRequest(stateDirFrom(options.state), {
          action: 'attach',
          device,
          serial: options.serial,
        })) as { address: string };
        out.event('attached', { device, address: result.address }, `${device}: AT port ${result.address}`);
      } catch (err) {
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      }
    });

  fleet
    .command('control <device> <action> [value]')
    .description('steer one fleet device, as nrf91sim device control does')
    .option('--rsrp <dBm>', 'signal: RSRP in dBm')
    .option('--rsrq <dB>', 'signal: RSRQ in dB')
    .option('--snr <dB>', 'signal: SNR in dB')
    .option('--state <dir>', 'state directory of the running fleet')
    .option('--json', 'print JSON')
    .action(
      async (
        device: string,
        action: string,
        value: string | undefined,
        options: { state?: string; json?: boolean; rsrp?: string; rsrq?: string; snr?: string },
      ) => {
        const out = new Output(options.json === true);
        try {
          validateDeviceName(device);
          const request = parseControl(action, value, { name: device, ...options });
          const result = await sendFleetRequest(stateDirFrom(options.state), {
            action: 'control',
            device,
            request,
          });
          process.stdout.write(`${JSON.stringify(result)}\n`);
        } catch (err) {
          reportError(err, out.json);
          process.exitCode = EXIT_FAILURE;
        }
      },
    );
}
