import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ErrorCode, SimError } from '../../core/errors.js';
import { DEFAULT_ENDPOINT, DEFAULT_POLICY_NAME } from '../../broker-fixtures/index.js';
import { openConsole } from '../broker-console.js';
import type { CliEnv } from '../env.js';
import { CONF_FILE, fileExists, writeConf, type ThingConf } from '../project-file.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

interface InitOptions {
  endpoint: string;
  policy: string;
  port: string;
  state?: string;
  json?: boolean;
}

export function registerProject(program: Command, env: CliEnv): void {
  const project = program.command('project').description('device project folders (thing.conf.json)');
  project
    .command('init <name> <path>')
    .description('create a device project folder with thing.conf.json and the CA certificate')
    .option('--endpoint <name>', 'AWS IoT endpoint the devices connect to', DEFAULT_ENDPOINT)
    .option(
      '--policy <name>',
      "policy attached to the project's things (created with the default rules if missing)",
      DEFAULT_POLICY_NAME,
    )
    .option('--port <n>', 'MQTT port the devices use', '8883')
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object per line')
    .action(async (name: string, folder: string, options: InitOptions) => {
      const out = new Output(options.json === true);
      try {
        if (await fileExists(path.join(folder, CONF_FILE))) {
          throw new SimError(ErrorCode.ALREADY_EXISTS, `${folder} already holds a ${CONF_FILE}`);
        }
        const stateDir = stateDirFrom(options.state);
        const console = await openConsole(stateDir, env);
        try {
          // Creating the policy now makes a typo in --policy visible at once, not at `things add`.
          const existing = await console.call('GET', `/policies/${encodeURIComponent(options.policy)}`);
          if (existing.status === 404)
            await console.request('POST', `/policies/${encodeURIComponent(options.policy)}`, {});
        } finally {
          await console.close();
        }
        await mkdir(folder, { recursive: true });
        await copyFile(path.join(stateDir, 'broker', 'ca', 'ca.crt'), path.join(folder, 'ca.pem'));
        const conf: ThingConf = {
          name,
          endpoint: options.endpoint,
          port: Number(options.port),
          policy: options.policy,
          thingName: null,
          certificate: null,
          privateKey: null,
          caCertificate: 'ca.pem',
          things: [],
        };
        await writeConf(folder, conf);
        out.event(
          'project',
          { path: path.resolve(folder), ...conf },
          `project ${name} created in ${folder} (policy ${options.policy}, endpoint ${options.endpoint})`,
        );
      } catch (err) {
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      }
    });
}
