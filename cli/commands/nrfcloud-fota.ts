import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { FIRMWARE_TYPES, makeBundle, type FirmwareType } from '../../broker-fixtures/index.js';
import { common, enc, withApi, type CommonOptions } from './nrfcloud-common.js';

interface Bundle {
  bundleId: string;
  type: string;
  version: string;
  size: number;
  name: string;
}
interface Job {
  jobId: string;
  status: string;
  bundleId: string;
  target: { deviceIds: string[] };
  executionStats: Record<string, number>;
}
interface Execution {
  deviceId: string;
  jobId: string;
  status: string;
  statusDetail?: string;
  progress?: number;
}

function firmwareType(value: string): FirmwareType {
  if (!(FIRMWARE_TYPES as readonly string[]).includes(value))
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `--type must be one of ${FIRMWARE_TYPES.join(', ')}, not ${value}`,
    );
  return value as FirmwareType;
}

export function registerNrfCloudFota(nrf: Command, env: CliEnv): void {
  const bundles = nrf
    .command('bundles')
    .description('firmware bundles (ZIP with manifest.json) of the local nRF Cloud');
  common(bundles.command('list').description('list the bundles')).action((o: CommonOptions) =>
    withApi(env, o, async (api, out) => {
      const page = await api.request<{ items: Bundle[] }>('GET', '/v1/firmwares');
      for (const b of page.items)
        out.event(
          'bundle',
          b as unknown as Record<string, unknown>,
          `${b.bundleId}  ${b.type} ${b.version}  ${b.size} bytes`,
        );
    }),
  );
  common(
    bundles
      .command('upload')
      .description('upload a bundle ZIP, or an image (then packed with --version and --type)')
      .argument('<file>')
      .option('--version <v>', 'firmware version, to pack a bare image')
      .option('--type <type>', `${FIRMWARE_TYPES.join(' | ')} (a bare image)`, 'APP'),
  ).action((file: string, o: CommonOptions & { version?: string; type: string }) =>
    withApi(env, o, async (api, out) => {
      const bytes = await readFile(file);
      const zip = bytes.readUInt32LE(0) === 0x04034b50 ? bytes : undefined;
      if (!zip && o.version === undefined)
        throw new SimError(
          ErrorCode.INVALID_ARGUMENT,
          `${file} is not a ZIP bundle: give --version to pack it as an image`,
        );
      const body = zip ?? makeBundle({ image: bytes, version: o.version!, type: firmwareType(o.type) });
      const { bundleId } = await api.request<{ bundleId: string }>('POST', '/v1/firmwares', body);
      out.event('uploaded', { bundleId }, `uploaded bundle ${bundleId}`);
    }),
  );
  bundles
    .command('pack')
    .description('pack an image as a bundle ZIP nRF Cloud takes')
    .argument('<image>')
    .requiredOption('--version <v>', 'firmware version')
    .option('--type <type>', FIRMWARE_TYPES.join(' | '), 'APP')
    .requiredOption('--out <zip>', 'the bundle to write')
    .action(async (image: string, o: { version: string; type: string; out: string }) => {
      await writeFile(
        o.out,
        makeBundle({ image: await readFile(image), version: o.version, type: firmwareType(o.type) }),
      );
      process.stdout.write(`wrote ${o.out}\n`);
    });
  common(bundles.command('delete').description('delete a bundle').argument('<bundleId>')).action(
    (id: string, o: CommonOptions) =>
      withApi(env, o, async (api, out) => {
        await api.request('DELETE', `/v1/firmwares/${enc(id)}`);
        out.event('deleted', { bundleId: id }, `deleted bundle ${id}`);
      }),
  );

  const fota = nrf.command('fota').description('FOTA jobs of the local nRF Cloud');
  common(
    fota
      .command('create')
      .description('create a job for devices (POST /v1/fota-jobs); connected devices get it on jobs/rcv')
      .requiredOption('--bundle <bundleId>', 'the bundle to install')
      .requiredOption('--device <id...>', 'target device(s)'),
  ).action((o: CommonOptions & { bundle: string; device: string[] }) =>
    withApi(env, o, async (api, out) => {
      const { jobId } = await api.request<{ jobId: string }>('POST', '/v1/fota-jobs', {
        bundleId: o.bundle,
        deviceIdentifiers: o.device,
      });
      out.event('created', { jobId }, `created FOTA job ${jobId}`);
    }),
  );
  common(fota.command('list').description('list the jobs')).action((o: CommonOptions) =>
    withApi(env, o, async (api, out) => {
      const page = await api.request<{ items: Job[] }>('GET', '/v1/fota-jobs');
      for (const j of page.items)
        out.event(
          'job',
          j as unknown as Record<string, unknown>,
          `${j.jobId}  ${j.status}  ${j.bundleId}  ${j.target.deviceIds.join(',')}`,
        );
    }),
  );
  common(fota.command('show').description('a job and its executions').argument('<jobId>')).action(
    (id: string, o: CommonOptions) =>
      withApi(env, o, async (api, out) => {
        const job = await api.request<Job>('GET', `/v1/fota-jobs/${enc(id)}`);
        const execs = await api.request<{ items: Execution[] }>(
          'GET',
          `/v1/fota-job-execution-statuses/${enc(id)}`,
        );
        out.event(
          'job',
          job as unknown as Record<string, unknown>,
          `${job.jobId}  ${job.status}  ${job.bundleId}`,
        );
        for (const e of execs.items)
          out.event(
            'execution',
            e as unknown as Record<string, unknown>,
            `  ${e.deviceId}  ${e.status}${e.progress !== undefined ? ` ${e.progress}%` : ''}${e.statusDetail ? `  ${e.statusDetail}` : ''}`,
          );
      }),
  );
  for (const [name, method, suffix] of [
    ['cancel', 'PUT', '/cancel'],
    ['delete', 'DELETE', ''],
  ] as const) {
    common(fota.command(name).description(`${name} a job`).argument('<jobId>')).action(
      (id: string, o: CommonOptions) =>
        withApi(env, o, async (api, out) => {
          await api.request(method, `/v1/fota-jobs/${enc(id)}${suffix}`);
          out.event(
            name === 'cancel' ? 'cancelled' : 'deleted',
            { jobId: id },
            `${name === 'cancel' ? 'cancelled' : 'deleted'} job ${id}`,
          );
        }),
    );
  }
}
