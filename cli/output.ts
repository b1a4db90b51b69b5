import { isSimError } from '../core/errors.js';

/** Prints for people, or one JSON object per line for scripts (`--json`). */
export class Output {
  constructor(readonly json: boolean) {}

  /** An event: JSON mode prints `{event, ...fields}`; human mode prints `text`. */
  event(event: string, fields: Record<string, unknown>, text: string): void {
    if (this.json) process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
    else process.stdout.write(`${text}\n`);
  }
}

/** Exit codes: 1 runtime failure, 2 bad usage. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Reports an error as one clear line on stderr (and a JSON line on stdout with --json). */
export function reportError(err: unknown, json: boolean): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = isSimError(err) ? err.code : ((err as NodeJS.ErrnoException)?.code ?? 'NRF91SIM_ERROR');
  if (json) process.stdout.write(`${JSON.stringify({ event: 'error', code, message })}\n`);
  process.stderr.write(`nrf91sim: ${message}\n`);
}

/** Resolves when the process receives SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** The state directory: `--state`, else `$NRF91SIM_STATE`, else `./.nrf91sim`. */
export function stateDirFrom(option: string | undefined): string {
  return option ?? process.env.NRF91SIM_STATE ?? '.nrf91sim';
}
