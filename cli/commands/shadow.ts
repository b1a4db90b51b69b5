import type { Command } from 'commander';
import { ErrorCode, SimError } from '../../core/errors.js';
import { openConsole } from '../broker-console.js';
import type { CliEnv } from '../env.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

interface ShadowOptions {
  thing: string;
  shadow?: string;
  desired?: string;
  reported?: string;
  expectedVersion?: string;
  state?: string;
  json?: boolean;
}

function parseSection(text: string | undefined, option: string): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `${option} is not JSON: ${(err as Error).message}`);
  }
}

function requestBody(operation: string, options: ShadowOptions): unknown {
  if (operation !== 'update') return undefined;
  const desired = parseSection(options.desired, '--desired');
  const reported = parseSection(options.reported, '--reported');
  if (desired === undefined && reported === undefined) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, 'shadow update needs --desired and/or --reported');
  }
  const version = options.expectedVersion === undefined ? undefined : Number(options.expectedVersion);
  if (version !== undefined && !Number.isInteger(version))
    throw new SimError(ErrorCode.INVALID_ARGUMENT, '--expected-version must be an integer');
  return {
    state: { ...(desired !== undefined ? { desired } : {}), ...(reported !== undefined ? { reported } : {}) },
    ...(version !== undefined ? { version } : {}),
  };
}

export function registerShadow(program: Command, env: CliEnv): void {
  const shadow = program
    .command('shadow')
    .description('read and change Device Shadows on the local AWS IoT stand-in');
  for (const operation of ['get', 'update', 'delete'] as const) {
    const cmd = shadow
      .command(operation)
      .description(
        operation === 'get'
          ? 'print a shadow document'
          : operation === 'update'
            ? 'update a shadow; devices get accepted/delta/documents as for an MQTT update'
            : 'delete a shadow',
      )
      .requiredOption('--thing <name>', 'thing name')
      .option('--shadow <name>', 'named shadow (default: the classic shadow)');
    if (operation === 'update') {
      cmd
        .option('--desired <json>', 'desired state to merge (null deletes a key)')
        .option('--reported <json>', 'reported state to merge')
        .option(
          '--expected-version <n>',
          'expected current version (optimistic locking: 409 when it differs)',
        );
    }
    cmd
      .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
      .option('--json', 'print one JSON object per line')
      .action(async (options: ShadowOptions) => {
        const out = new Output(options.json === true);
        try {
          const body = requestBody(operation, options);
          const console = await openConsole(stateDirFrom(options.state), env);
          let reply;
          try {
            const query = options.shadow ? `?name=${encodeURIComponent(options.shadow)}` : '';
            const method = operation === 'get' ? 'GET' : operation === 'update' ? 'POST' : 'DELETE';
            reply = await console.call(
              method,
              `/things/${encodeURIComponent(options.thing)}/shadow${query}`,
              body,
            );
          } finally {
            await console.close();
          }
          const doc = reply.body as { code?: unknown; message?: unknown };
          if (reply.status >= 300) {
            const detail = typeof doc.message === 'string' ? doc.message : JSON.stringify(doc);
            if (typeof doc.code === 'number')
              throw new SimError(
                ErrorCode.SHADOW_REJECTED,
                `shadow ${operation} rejected: ${doc.code} ${detail}`,
              );
            throw new SimError(
              typeof doc.code === 'string' ? (doc.code as ErrorCode) : ErrorCode.INVALID_STATE,
              detail,
            );
          }
          if (out.json)
            out.event(
              operation,
              {
                thingName: options.thing,
                ...(options.shadow ? { shadowName: options.shadow } : {}),
                document: reply.body,
              },
              '',
            );
          else process.stdout.write(`${JSON.stringify(reply.body, null, 2)}\n`);
        } catch (err) {
          reportError(err, out.json);
          process.exitCode = EXIT_FAILURE;
        }
      });
  }
}
