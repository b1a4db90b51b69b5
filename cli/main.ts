import { Command, CommanderError } from 'commander';
import { systemClock } from '../core/clock.js';
import { Random } from '../core/random.js';
import { registerAt } from './commands/at.js';
import { registerBroker } from './commands/broker.js';
import { registerDeviceBoot } from './commands/device-boot.js';
import { registerDemo } from './commands/demo.js';
import { registerDeviceControl } from './commands/device-control.js';
import { registerFleet } from './commands/fleet.js';
import { registerFota } from './commands/fota.js';
import { registerImage } from './commands/image.js';
import { registerJobs } from './commands/jobs.js';
import { registerNrfCloud } from './commands/nrfcloud.js';
import { registerS3 } from './commands/s3.js';
import { registerProject } from './commands/project.js';
import { registerShadow } from './commands/shadow.js';
import { registerThingGroups } from './commands/thing-groups.js';
import { registerThings } from './commands/things.js';
import type { CliEnv } from './env.js';
import { EXIT_USAGE, reportError } from './output.js';

/** The process's own clock and entropy: only this entry point picks them. */
const processEnv: CliEnv = { clock: systemClock, fresh: () => Random.fromEntropy() };

export function buildProgram(env: CliEnv = processEnv): Command {
  const program = new Command('nrf91sim')
    .description('a full nRF9160 device simulator')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(add --help for usage)')
    // Root options only before the subcommand, so `image build --version 1.0.1` is the image version.
    .enablePositionalOptions()
    .exitOverride();
  const device = program.command('device').description('boot and manage virtual devices');
  registerDeviceBoot(device, env);
  registerDeviceControl(device);
  registerAt(program, env);
  registerBroker(program, env);
  registerProject(program, env);
  registerThings(program, env);
  registerShadow(program, env);
  registerImage(program);
  registerS3(program, env);
  registerThingGroups(program, env);
  registerJobs(program, env);
  registerFota(program, env);
  registerNrfCloud(program, env);
  registerDemo(program, env);
  registerFleet(program, env);
  const exitOverride = (c: Command): void => {
    c.exitOverride();
    c.commands.forEach(exitOverride);
  };
  program.commands.forEach(exitOverride);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (and help where asked for).
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    reportError(err, argv.includes('--json'));
    process.exitCode = 1;
  }
}
