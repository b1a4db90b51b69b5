import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { openConsole } from '../broker-console.js';
import type { CliEnv } from '../env.js';
import { activate, readConf, thingDir, thingFiles, writeConf } from '../project-file.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

interface CommonOptions {
  state?: string;
  json?: boolean;
}

interface ProvisionedThing {
  thingName: string;
  certificateId: string;
  certificatePem: string;
  privateKey: string;
}

const BATCH = 250;

async function run(options: CommonOptions, body: (out: Output) => Promise<void>): Promise<void> {
  const out = new Output(options.json === true);
  try {
    await body(out);
  } catch (err) {
    reportError(err, out.json);
    process.exitCode = EXIT_FAILURE;
  }
}

export function registerThings(program: Command, env: CliEnv): void {
  const things = program
    .command('things')
    .description('things of a device project, registered with the local AWS IoT stand-in');

  things
    .command('add <project>')
    .description('create things <base>_0 … <base>_N-1 with keys and certificates signed by the local CA')
    .option('--count <n>', 'how many things', '1')
    .option('--base-name <name>', 'thing name prefix (default: the project name)')
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object per line')
    .action((project: string, options: CommonOptions & { count: string; baseName?: string }) =>
      run(options, async (out) => {
        const count = Number(options.count);
        if (!Number.isInteger(count) || count < 1 || count > 100_000) {
          throw new SimError(
            ErrorCode.INVALID_ARGUMENT,
            `--count must be an integer 1-100000, not ${JSON.stringify(options.count)}`,
          );
        }
        let conf = await readConf(project);
        const base = options.baseName ?? conf.name;
        const names = Array.from({ length: count }, (_, i) => `${base}_${i}`);
        const clash = names.filter((n) => conf.things.includes(n));
        if (clash.length)
          throw new SimError(
            ErrorCode.ALREADY_EXISTS,
            `the project already has ${clash.slice(0, 3).join(', ')}${clash.length > 3 ? ', …' : ''}`,
          );
        const console = await openConsole(stateDirFrom(options.state), env);
        const created: ProvisionedThing[] = [];
        try {
          const known = await console.request<{ things: Array<{ thingName: string }> }>('GET', '/things');
          const taken = names.filter((n) => known.things.some((t) => t.thingName === n));
          if (taken.length)
            throw new SimError(
              ErrorCode.ALREADY_EXISTS,
              `the registry already has ${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ', …' : ''}`,
            );
          for (let i = 0; i < names.length; i += BATCH) {
            const reply = await console.request<{ things: ProvisionedThing[] }>('POST', '/provision-things', {
              thingNames: names.slice(i, i + BATCH),
              policyName: conf.policy,
            });
            created.push(...reply.things);
          }
        } finally {
          await console.close();
        }
        await Promise.all(
          created.map(async (t) => {
            const files = thingFiles(t.thingName);
            await mkdir(path.join(project, thingDir(t.thingName)), { recursive: true });
            await writeFileAtomic(path.join(project, files.certificate), t.certificatePem);
            await writeFileAtomic(path.join(project, files.privateKey), t.privateKey, 0o600);
          }),
        );
        conf = { ...conf, things: [...conf.things, ...names] };
        if (conf.thingName === null) conf = activate(conf, names[0] ?? null);
        await writeConf(project, conf);
        for (const t of created) {
          if (out.json)
            out.event(
              'thing',
              { thingName: t.thingName, certificateId: t.certificateId, ...thingFiles(t.thingName) },
              '',
            );
        }
        out.event(
          'added',
          { count: created.length, active: conf.thingName },
          `${created.length} thing(s) added to ${conf.name}; active thing: ${conf.thingName}`,
        );
      }),
    );

  things
    .command('set-active <project>')
    .description('make the K-th thing of the project the active one in thing.conf.json')
    .requiredOption('--thing-id <k>', 'index of the thing (0 for <base>_0)')
    .option('--json', 'print one JSON object per line')
    .action((project: string, options: CommonOptions & { thingId: string }) =>
      run(options, async (out) => {
        const conf = await readConf(project);
        const k = Number(options.thingId);
        const name = Number.isInteger(k) ? conf.things[k] : undefined;
        if (name === undefined) {
          throw new SimError(
            ErrorCode.NOT_FOUND,
            `the project has no thing ${options.thingId} (it has ${conf.things.length})`,
          );
        }
        await writeConf(project, activate(conf, name));
        out.event('active', { thingName: name, ...thingFiles(name) }, `active thing: ${name}`);
      }),
    );

  things
    .command('list <project>')
    .description("list the project's things and their certificate status in the registry")
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object per line')
    .action((project: string, options: CommonOptions) =>
      run(options, async (out) => {
        const conf = await readConf(project);
        const console = await openConsole(stateDirFrom(options.state), env);
        let registered: Map<string, string[]>;
        let statuses: Map<string, string>;
        try {
          const things = await console.request<{
            things: Array<{ thingName: string; principals: string[] }>;
          }>('GET', '/things');
          const certs = await console.request<{
            certificates: Array<{ certificateId: string; status: string }>;
          }>('GET', '/certificates');
          registered = new Map(things.things.map((t) => [t.thingName, t.principals]));
          statuses = new Map(certs.certificates.map((c) => [c.certificateId, c.status]));
        } finally {
          await console.close();
        }
        conf.things.forEach((name, index) => {
          const principals = registered.get(name);
          const status =
            principals === undefined
              ? 'NOT_REGISTERED'
              : principals.map((p) => statuses.get(p) ?? 'UNKNOWN').join(',') || 'NO_CERTIFICATE';
          const active = conf.thingName === name;
          out.event(
            'thing',
            { index, thingName: name, active, status },
            `${active ? '*' : ' '} ${index}\t${name}\t${status}`,
          );
        });
      }),
    );

  things
    .command('cleanup <project>')
    .description("delete the project's things and certificates, locally and from the registry")
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object per line')
    .action((project: string, options: CommonOptions) =>
      run(options, async (out) => {
        const conf = await readConf(project);
        const console = await openConsole(stateDirFrom(options.state), env);
        let removed: string[] = [];
        try {
          for (let i = 0; i < conf.things.length; i += BATCH) {
            const reply = await console.request<{ removed: string[] }>('POST', '/deprovision-things', {
              thingNames: conf.things.slice(i, i + BATCH),
            });
            removed = removed.concat(reply.removed);
          }
        } finally {
          await console.close();
        }
        await rm(path.join(project, 'things'), { recursive: true, force: true });
        await writeConf(project, activate({ ...conf, things: [] }, null));
        out.event(
          'cleanup',
          { removed: removed.length, local: conf.things.length },
          `removed ${conf.things.length} thing(s) from ${conf.name} (${removed.length} from the registry)`,
        );
      }),
    );
}
