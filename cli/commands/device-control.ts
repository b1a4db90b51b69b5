import path from 'node:path';
import type { Command } from 'commander';
import { ErrorCode, SimError } from '../../core/errors.js';
import { validateDeviceName } from '../../firmware/device.js';
import { sendControl, type ControlRequest } from '../../firmware/control/index.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

interface ControlOptions {
  name: string;
  state?: string;
  json?: boolean;
  rsrp?: string;
  rsrq?: string;
  snr?: string;
  batteryMah?: string;
  reset?: boolean;
}

const ACTIONS = [
  'status',
  'signal',
  'coverage',
  'deny',
  'allow',
  'roaming',
  'pdn-drop',
  'sim',
  'temperature',
  'battery',
  'notify',
  'energy',
  'reboot',
  'power-cut',
] as const;

function bad(message: string): SimError {
  return new SimError(ErrorCode.INVALID_ARGUMENT, message);
}

function number(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(n))
    throw bad(`${what}: a number expected, got ${JSON.stringify(text)}`);
  return n;
}

function onOff(text: string | undefined, what: string, on: string, off: string): boolean {
  if (text === on) return true;
  if (text === off) return false;
  throw bad(`${what}: expected ${on} or ${off}`);
}

/** Turns `nrf91sim device control <action> [value]` into a request for the running device. */
export function parseControl(
  action: string,
  value: string | undefined,
  options: ControlOptions,
): ControlRequest {
  switch (action) {
    case 'status':
    case 'allow':
    case 'pdn-drop':
    case 'reboot':
    case 'power-cut':
      return { action };
    case 'signal': {
      const req: ControlRequest = { action: 'signal' };
      if (options.rsrp !== undefined) req.rsrp = number(options.rsrp, '--rsrp');
      if (options.rsrq !== undefined) req.rsrq = number(options.rsrq, '--rsrq');
      if (options.snr !== undefined) req.snr = number(options.snr, '--snr');
      if (Object.keys(req).length === 1) throw bad('signal: give at least one of --rsrp, --rsrq, --snr');
      return req;
    }
    case 'coverage':
      return { action, on: onOff(value, 'coverage', 'on', 'off') };
    case 'roaming':
      return { action, on: onOff(value, 'roaming', 'on', 'off') };
    case 'sim':
      return { action, inserted: onOff(value, 'sim', 'insert', 'remove') };
    case 'deny':
      return { action, cause: value === undefined ? 15 : number(value, 'deny <cause>') };
    case 'temperature':
      return { action, celsius: number(value, 'temperature <celsius>') };
    case 'battery':
      return { action, millivolts: number(value, 'battery <millivolts>') };
    case 'energy': {
      const reset = options.reset === true ? { reset: true } : {};
      if (options.batteryMah === undefined) return { action, ...reset };
      const batteryMah = number(options.batteryMah, '--battery-mah');
      if (batteryMah <= 0) throw bad('--battery-mah: a capacity above 0 expected');
      return { action, batteryMah, ...reset };
    }
    case 'notify':
      if (value === undefined) throw bad('notify: give the notification line, e.g. "%MDMEV: ME OVERHEATED"');
      return { action, line: value };
    default:
      throw bad(`unknown action ${JSON.stringify(action)}; one of ${ACTIONS.join(', ')}`);
  }
}

export function registerDeviceControl(device: Command): void {
  device
    .command('control <action> [value]')
    .description(
      'steer a running device: status | signal --rsrp N [--rsrq N] [--snr N] | coverage on|off | deny [cause] | ' +
        'allow | roaming on|off | pdn-drop | sim remove|insert | temperature C | battery mV | notify LINE | ' +
        'reboot | power-cut',
    )
    .option('--name <name>', 'device name', 'nrf91-0')
    .option(
      '--state <dir>',
      'state directory of the running device (default: $NRF91SIM_STATE or ./.nrf91sim)',
    )
    .option('--rsrp <dBm>', 'signal: RSRP in dBm (-140 … -44)')
    .option('--rsrq <dB>', 'signal: RSRQ in dB (-19.5 … -3)')
    .option('--snr <dB>', 'signal: SNR in dB')
    .option('--battery-mah <mAh>', 'energy: battery capacity for the projected battery life')
    .option('--reset', 'energy: print the figures so far and start counting afresh')
    .option('--json', 'print the result as JSON')
    .action(async (action: string, value: string | undefined, options: ControlOptions) => {
      const out = new Output(options.json === true);
      try {
        validateDeviceName(options.name);
        const request = parseControl(action, value, options);
        const deviceDir = path.resolve(stateDirFrom(options.state), 'devices', options.name);
        const result = await sendControl(deviceDir, request);
        if (out.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        else process.stdout.write(`${formatResult(result)}\n`);
      } catch (err) {
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      }
    });
}

function formatResult(result: unknown): string {
  if (typeof result !== 'object' || result === null) return String(result);
  return Object.entries(result)
    .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`)
    .join('\n');
}
