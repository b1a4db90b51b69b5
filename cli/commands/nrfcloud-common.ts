import type { Command } from 'commander';
import { ErrorCode, SimError } from '../../core/errors.js';
import { openNrfCloudApi, type NrfCloudApi } from '../../broker-fixtures/index.js';
import type { CliEnv } from '../env.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

export interface CommonOptions {
  state?: string;
  json?: boolean;
}

/** Adds `--state` and `--json` to a subcommand of `nrf91sim nrfcloud`. */
export function common(cmd: Command): Command {
  return cmd
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object per line');
}

/** Runs `work` against the local nRF Cloud's REST API (the running broker, or the state files). */
export async function withApi(
  env: CliEnv,
  options: CommonOptions,
  work: (api: NrfCloudApi, out: Output) => Promise<void>,
): Promise<void> {
  const out = new Output(options.json === true);
  try {
    const api = await openNrfCloudApi(stateDirFrom(options.state), { clock: env.clock, random: env.fresh() });
    try {
      await work(api, out);
    } finally {
      await api.close();
    }
  } catch (err) {
    reportError(err, out.json);
    process.exitCode = EXIT_FAILURE;
  }
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `${what} is not JSON: ${(err as Error).message}`);
  }
}

export const enc = encodeURIComponent;
