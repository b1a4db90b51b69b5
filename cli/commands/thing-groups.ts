import type { Command } from 'commander';
import { openConsole } from '../broker-console.js';
import type { CliEnv } from '../env.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

interface CommonOptions {
  state?: string;
  json?: boolean;
}

interface GroupView {
  thingGroupName: string;
  thingGroupArn: string;
  things: string[];
}

async function call(
  env: CliEnv,
  options: CommonOptions,
  fn: (out: Output, request: <T>(method: string, url: string) => Promise<T>) => Promise<void>,
): Promise<void> {
  const out = new Output(options.json === true);
  try {
    const console = await openConsole(stateDirFrom(options.state), env);
    try {
      await fn(out, (method, url) => console.request(method, url, {}));
    } finally {
      await console.close();
    }
  } catch (err) {
    reportError(err, out.json);
    process.exitCode = EXIT_FAILURE;
  }
}

const g = (name: string): string => `/thing-groups/${encodeURIComponent(name)}`;

/** Static thing groups, which jobs can target (`nrf91sim jobs create --thing-group`). */
export function registerThingGroups(program: Command, env: CliEnv): void {
  const groups = program
    .command('thing-groups')
    .description('static thing groups on the local AWS IoT stand-in (job targets)');
  const common = (cmd: Command): Command =>
    cmd
      .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
      .option('--json', 'print one JSON object per line');

  common(groups.command('create <group>').description('create a thing group')).action(
    (group: string, o: CommonOptions) =>
      call(env, o, async (out, request) => {
        const created = await request<GroupView>('POST', g(group));
        out.event(
          'created',
          { ...created },
          `created thing group ${created.thingGroupName} (${created.thingGroupArn})`,
        );
      }),
  );
  common(
    groups.command('add <group> <things...>').description('add things to a group (continuous jobs follow)'),
  ).action((group: string, things: string[], o: CommonOptions) =>
    call(env, o, async (out, request) => {
      for (const thing of things) await request('PUT', `${g(group)}/things/${encodeURIComponent(thing)}`);
      out.event('added', { thingGroupName: group, things }, `added ${things.join(', ')} to ${group}`);
    }),
  );
  common(groups.command('remove <group> <things...>').description('remove things from a group')).action(
    (group: string, things: string[], o: CommonOptions) =>
      call(env, o, async (out, request) => {
        for (const thing of things)
          await request('DELETE', `${g(group)}/things/${encodeURIComponent(thing)}`);
        out.event('removed', { thingGroupName: group, things }, `removed ${things.join(', ')} from ${group}`);
      }),
  );
  common(groups.command('list').description('list thing groups and their members')).action(
    (o: CommonOptions) =>
      call(env, o, async (out, request) => {
        const { thingGroups } = await request<{ thingGroups: GroupView[] }>('GET', '/thing-groups');
        if (out.json) for (const group of thingGroups) out.event('group', { ...group }, '');
        else
          for (const group of thingGroups)
            process.stdout.write(`${group.thingGroupName}: ${group.things.join(', ') || '(empty)'}\n`);
      }),
  );
  common(groups.command('delete <group>').description('delete a thing group')).action(
    (group: string, o: CommonOptions) =>
      call(env, o, async (out, request) => {
        await request('DELETE', g(group));
        out.event('deleted', { thingGroupName: group }, `deleted thing group ${group}`);
      }),
  );
}
