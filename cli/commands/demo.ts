import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { TimerHandle } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { CliEnv } from '../env.js';
import { isLinkPresetName, LINK_PRESET_NAMES, type LinkPresetName } from '../../core/link.js';
import type { BrokerFixtures } from '../../broker-fixtures/index.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { runFleetDemo } from './demo-fleet.js';
import { runNrfCloudDemo } from './demo-nrf-cloud.js';
import {
  BUCKET,
  nextAppEvent,
  putDemoCredentials,
  reportedShadow,
  runOutput,
  sampleConfig,
  SEC_TAG,
  startDemoFixtures,
  type DemoRun,
} from '../demo-support.js';
import { EXIT_FAILURE, Output, reportError } from '../output.js';

interface DemoOptions {
  state?: string;
  devices: string;
  link: string;
  timeout: string;
  cloud: string;
  json?: boolean;
}

const CLOUDS = ['aws-iot', 'nrf-cloud'];

/**
 * The whole story on one machine: the AWS IoT stand-in and its S3 start, a thing is provisioned, a
 * device boots and is flashed with the `aws_iot` sample 1.0.0, a job offers 1.0.1, the device
 * downloads it over its modem, marks the job SUCCEEDED, reboots, and MCUboot swaps the new image in.
 */
async function runDemo(report: Output, stateDir: string, link: LinkPresetName, run: DemoRun): Promise<void> {
  const { clock } = run.env;
  const started = clock.monotonic();
  const seconds = (): number => Math.round((clock.monotonic() - started) / 100) / 10;
  const out = runOutput(report, run);
  let fixtures: BrokerFixtures | undefined;
  let device: Device | undefined;
  try {
    fixtures = await startDemoFixtures(out, stateDir, run);

    const thing = `demo-${run.env.fresh().bytes(3).toString('hex')}`;
    const [creds] = await fixtures.provisioning.provisionThings([thing]);
    if (!creds) throw new SimError(ErrorCode.INVALID_STATE, 'provisioning returned no thing');
    out.event(
      'thing',
      { thing, certificateId: creds.certificateId },
      `thing    ${thing} with certificate ${creds.certificateId.slice(0, 12)}…`,
    );

    device = await Device.boot({ clock, name: thing, stateDir, profile: { link } });
    run.devices.push(device);
    await putDemoCredentials(device, fixtures, creds);
    out.event(
      'device',
      { name: thing, imei: device.identity.imei, secTag: SEC_TAG, link },
      `device   ${thing} booted (IMEI ${device.identity.imei}, ${link} link); credentials at sec tag ${SEC_TAG}`,
    );

    const config = sampleConfig(fixtures, thing);
    const connected = nextAppEvent(device, 'connected');
    const firstReport = nextAppEvent(device, 'shadow-update');
    await device.control.program(buildAppImage({ app: 'aws_iot', version: '1.0.0', config }));
    out.event('flashed', { app: 'aws_iot', version: '1.0.0' }, 'flash    aws_iot 1.0.0 programmed');
    await connected;
    out.event('connected', { clientId: thing }, `app      aws_iot 1.0.0 connected to AWS IoT as ${thing}`);
    await firstReport;
    const before = await reportedShadow(run, fixtures, thing, '1.0.0');
    out.event(
      'shadow',
      { reported: before },
      `shadow   reported app_version ${String(before.app_version)}, batv ${String(before.batv)} mV`,
    );

    const update = buildAppImage({ app: 'aws_iot', version: '1.0.1', config, size: 200_000 });
    const s3 = fixtures.s3;
    if (!s3?.httpUrl) throw new SimError(ErrorCode.INVALID_STATE, 'the S3 stand-in is not serving HTTP');
    if (!(await s3.store.bucketExists(BUCKET))) await s3.store.createBucket(BUCKET);
    const key = `${thing}/app_update_1.0.1.bin`;
    await s3.store.putObject(BUCKET, key, update);
    const jobId = `fota-${thing}`;
    const document = {
      operation: 'app_fw_update',
      fwversion: 'v1.0.1',
      size: update.length,
      location: { protocol: 'http:', host: new URL(s3.httpUrl).host, path: `${BUCKET}/${key}` },
    };
    const rebooting = nextAppEvent(device, 'rebooting');
    const progress = (async () => {
      let shown = 0;
      for (;;) {
        const d = await nextAppEvent(device as Device, 'fota');
        if (d.id === 'AWS_IOT_EVT_FOTA_START')
          out.event('downloading', {}, 'fota     job taken, downloading');
        if (
          d.id === 'AWS_IOT_EVT_FOTA_DL_PROGRESS' &&
          typeof d.progress === 'number' &&
          d.progress >= shown + 25
        ) {
          shown = d.progress - (d.progress % 25);
          out.event('progress', { percent: d.progress }, `fota     ${d.progress} %`);
        }
        if (d.id === 'AWS_IOT_EVT_FOTA_DONE' || d.id === 'AWS_IOT_EVT_FOTA_ERROR') return d.id;
      }
    })();
    const created = await fixtures.console.dispatch({
      method: 'PUT',
      url: `/jobs/${jobId}`,
      body: { targets: [`thing/${thing}`], document },
    });
    if (created.status !== 200) {
      throw new SimError(ErrorCode.INVALID_STATE, `creating the job failed: ${JSON.stringify(created.body)}`);
    }
    out.event(
      'job',
      { jobId, version: '1.0.1', bytes: update.length },
      `job      ${jobId}: aws_iot 1.0.1 (${Math.round(update.length / 1024)} KB) from s3://${BUCKET}/${key}`,
    );
    const outcome = await Promise.race([progress, rebooting.then(() => 'AWS_IOT_EVT_FOTA_DONE')]);
    if (outcome !== 'AWS_IOT_EVT_FOTA_DONE') {
      throw new SimError(ErrorCode.DEMO_FAILED, 'the device reported a FOTA error; the job is FAILED');
    }
    const execution = await fixtures.console.dispatch({
      method: 'GET',
      url: `/things/${thing}/jobs/${jobId}`,
    });
    const body = execution.body as { execution?: { status?: string } };
    out.event(
      'job-status',
      { jobId, status: body.execution?.status },
      `job      ${jobId} ${body.execution?.status ?? 'unknown'}; the device reboots`,
    );

    const reconnected = nextAppEvent(device, 'connected');
    const newReport = nextAppEvent(device, 'shadow-update', (d) => {
      const state = d.state as { reported?: { app_version?: string } } | undefined;
      return state?.reported?.app_version !== undefined;
    });
    const [report] = await new Promise<Parameters<Parameters<Device['on']>[1]>>((resolve) =>
      (device as Device).once('boot', (...args) => resolve(args as never)),
    );
    await reconnected;
    const running = device.manifest?.version;
    const confirmed = device.flash.imageControl().isImgConfirmed();
    out.event(
      'rebooted',
      { swapType: (report as { swapType?: string }).swapType, version: running, confirmed },
      `boot     MCUboot ${(report as { swapType?: string }).swapType} swap; aws_iot ${running} running${confirmed ? ', confirmed' : ''}`,
    );
    if (running !== '1.0.1' || !confirmed) {
      throw new SimError(ErrorCode.DEMO_FAILED, `the device runs ${running ?? 'nothing'} after the update`);
    }
    await newReport;
    const after = await reportedShadow(run, fixtures, thing, '1.0.1');
    out.event('shadow', { reported: after }, `shadow   reported app_version ${String(after.app_version)}`);

    out.event('done', { seconds: seconds() }, `done in ${seconds()} s`);
  } finally {
    await device?.close();
    await fixtures?.close();
  }
}

export function registerDemo(program: Command, env: CliEnv): void {
  program
    .command('demo')
    .description(
      'run a local cloud (AWS IoT or nRF Cloud), boot a device with its sample and update it over the air',
    )
    .option('--cloud <cloud>', `which cloud: ${CLOUDS.join(' | ')}`, 'aws-iot')
    .option('--state <dir>', 'state directory to keep (default: a temporary one, removed afterwards)')
    .option('--devices <n>', 'update a fleet of N devices through one thing-group job', '1')
    .option('--link <preset>', `the device's radio link: ${LINK_PRESET_NAMES.join(' | ')}`, 'ideal')
    .option('--timeout <s>', 'give up after this many seconds', '120')
    .option('--json', 'print one JSON object per line')
    .action(async (options: DemoOptions) => {
      const out = new Output(options.json === true);
      const timeoutS = Number(options.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
        reportError(
          new SimError(ErrorCode.INVALID_ARGUMENT, '--timeout must be a positive number'),
          out.json,
        );
        process.exitCode = EXIT_FAILURE;
        return;
      }
      if (!isLinkPresetName(options.link)) {
        reportError(
          new SimError(
            ErrorCode.INVALID_ARGUMENT,
            `--link ${options.link}: expected one of ${LINK_PRESET_NAMES.join(', ')}`,
          ),
          out.json,
        );
        process.exitCode = EXIT_FAILURE;
        return;
      }
      if (!CLOUDS.includes(options.cloud)) {
        reportError(
          new SimError(
            ErrorCode.INVALID_ARGUMENT,
            `--cloud ${options.cloud}: expected one of ${CLOUDS.join(', ')}`,
          ),
          out.json,
        );
        process.exitCode = EXIT_FAILURE;
        return;
      }
      const link = options.link;
      const devices = Number(options.devices);
      if (!Number.isInteger(devices) || devices < 1 || devices > 5000) {
        reportError(
          new SimError(ErrorCode.INVALID_ARGUMENT, '--devices must be a whole number from 1 to 5000'),
          out.json,
        );
        process.exitCode = EXIT_FAILURE;
        return;
      }
      const temporary = options.state === undefined;
      const stateDir = options.state ?? (await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-demo-')));
      let timer: TimerHandle | undefined;
      const run: DemoRun = { env, aborted: false, devices: [] };
      try {
        await Promise.race([
          options.cloud === 'nrf-cloud'
            ? runNrfCloudDemo(out, stateDir, link, run)
            : devices === 1
              ? runDemo(out, stateDir, link, run)
              : runFleetDemo(out, stateDir, link, devices, run),
          new Promise<never>((_, reject) => {
            timer = env.clock.setTimeout(
              () =>
                reject(new SimError(ErrorCode.DEMO_FAILED, `the demo did not finish within ${timeoutS} s`)),
              timeoutS * 1000,
            );
          }),
        ]);
      } catch (err) {
        run.aborted = true;
        await Promise.allSettled([...run.devices.map((d) => d.close()), run.fixtures?.close()]);
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      } finally {
        timer?.cancel();
        if (temporary) await rm(stateDir, { recursive: true, force: true });
      }
    });
}
