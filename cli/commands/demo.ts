import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { ErrorCode, SimError } from '../../core/errors.js';
import { isLinkPresetName, LINK_PRESET_NAMES, type LinkPresetName } from '../../core/link.js';
import { startBrokerFixtures, type BrokerFixtures } from '../../broker-fixtures/index.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { EXIT_FAILURE, Output, reportError } from '../output.js';

interface DemoOptions {
  state?: string;
  link: string;
  timeout: string;
  json?: boolean;
}

/** Sec tag of the demo device's AWS IoT credentials (the sample's CONFIG_AWS_IOT_SEC_TAG). */
const SEC_TAG = 201;
const BUCKET = 'nrf91sim-demo';

/** What a run holds, so a timeout can stop it. */
interface DemoRun {
  aborted: boolean;
  fixtures?: BrokerFixtures;
  device?: Device;
}

/** Resolves with the next `app` event named `name` (and matching `match`) the device emits. */
function nextAppEvent(
  device: Device,
  name: string,
  match: (detail: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (event: string, detail: Record<string, unknown>): void => {
      if (event !== name || !match(detail)) return;
      device.off('app', listener);
      resolve(detail);
    };
    device.on('app', listener);
  });
}

/**
 * The thing's reported shadow state once it reports `appVersion`, read through the stand-in's
 * console (the device's update is on its way when the application says it sent it).
 */
async function reportedShadow(
  fixtures: BrokerFixtures,
  thing: string,
  appVersion: string,
): Promise<Record<string, unknown>> {
  for (let i = 0; ; i++) {
    const r = await fixtures.console.dispatch({ method: 'GET', url: `/things/${thing}/shadow` });
    const body = r.body as { state?: { reported?: Record<string, unknown> } };
    const reported = body.state?.reported ?? {};
    if (reported.app_version === appVersion) return reported;
    if (i >= 200) {
      throw new SimError(ErrorCode.DEMO_FAILED, `the shadow does not report app_version ${appVersion}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The whole story on one machine: the AWS IoT stand-in and its S3 start, a thing is provisioned, a
 * device boots and is flashed with the `aws_iot` sample 1.0.0, a job offers 1.0.1, the device
 * downloads it over its modem, marks the job SUCCEEDED, reboots, and MCUboot swaps the new image in.
 */
async function runDemo(report: Output, stateDir: string, link: LinkPresetName, run: DemoRun): Promise<void> {
  const started = performance.now();
  const seconds = (): number => Math.round((performance.now() - started) / 100) / 10;
  // After a timeout the run is abandoned: it says nothing more and stops at its next step.
  const out = {
    event: (event: string, fields: Record<string, unknown>, text: string): void => {
      if (run.aborted) throw new SimError(ErrorCode.DEMO_FAILED, 'abandoned');
      report.event(event, fields, text);
    },
  };
  let fixtures: BrokerFixtures | undefined;
  let device: Device | undefined;
  try {
    fixtures = await startBrokerFixtures({
      stateDir,
      port: 0,
      alpnPort: 0,
      apiPort: 0,
      s3: { httpPort: 0, httpsPort: 0 },
    });
    run.fixtures = fixtures;
    const e = fixtures.endpoints;
    out.event(
      'broker',
      { endpoint: e.endpoint, mqttPort: e.mqttPort, console: e.apiUrl, s3: e.s3?.http },
      `broker   AWS IoT stand-in ${e.endpoint} on mqtts://${e.host}:${e.mqttPort}, S3 on ${e.s3?.http}`,
    );

    const thing = `demo-${randomBytes(3).toString('hex')}`;
    const [creds] = await fixtures.provisioning.provisionThings([thing]);
    if (!creds?.privateKey) throw new SimError(ErrorCode.INVALID_STATE, 'provisioning returned no key');
    out.event(
      'thing',
      { thing, certificateId: creds.certificateId },
      `thing    ${thing} with certificate ${creds.certificateId.slice(0, 12)}…`,
    );

    device = await Device.boot({ name: thing, stateDir, profile: { link } });
    run.device = device;
    await device.modem.credentials.put({ secTag: SEC_TAG, type: 0, content: fixtures.ca.certificatePem });
    await device.modem.credentials.put({ secTag: SEC_TAG, type: 1, content: creds.certificatePem });
    await device.modem.credentials.put({ secTag: SEC_TAG, type: 2, content: creds.privateKey });
    out.event(
      'device',
      { name: thing, imei: device.identity.imei, secTag: SEC_TAG, link },
      `device   ${thing} booted (IMEI ${device.identity.imei}, ${link} link); credentials at sec tag ${SEC_TAG}`,
    );

    // The stand-in's default policy lets a thing use its own `<thing>/…` topics.
    const config = {
      endpoint: e.endpoint,
      port: e.mqttPort,
      secTag: SEC_TAG,
      clientId: thing,
      appTopics: [`${thing}/commands`],
    };
    const connected = nextAppEvent(device, 'connected');
    const firstReport = nextAppEvent(device, 'shadow-update');
    await device.control.program(buildAppImage({ app: 'aws_iot', version: '1.0.0', config }));
    out.event('flashed', { app: 'aws_iot', version: '1.0.0' }, 'flash    aws_iot 1.0.0 programmed');
    await connected;
    out.event('connected', { clientId: thing }, `app      aws_iot 1.0.0 connected to AWS IoT as ${thing}`);
    await firstReport;
    const before = await reportedShadow(fixtures, thing, '1.0.0');
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
    const after = await reportedShadow(fixtures, thing, '1.0.1');
    out.event('shadow', { reported: after }, `shadow   reported app_version ${String(after.app_version)}`);

    out.event('done', { seconds: seconds() }, `done in ${seconds()} s`);
  } finally {
    await device?.close();
    await fixtures?.close();
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'run the AWS IoT stand-in, boot a device with the aws_iot sample and update it over the air with a job',
    )
    .option('--state <dir>', 'state directory to keep (default: a temporary one, removed afterwards)')
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
      const link = options.link;
      const temporary = options.state === undefined;
      const stateDir = options.state ?? (await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-demo-')));
      let timer: NodeJS.Timeout | undefined;
      const run: DemoRun = { aborted: false };
      try {
        await Promise.race([
          runDemo(out, stateDir, link, run),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(new SimError(ErrorCode.DEMO_FAILED, `the demo did not finish within ${timeoutS} s`)),
              timeoutS * 1000,
            );
          }),
        ]);
      } catch (err) {
        run.aborted = true;
        await Promise.allSettled([run.device?.close(), run.fixtures?.close()]);
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      } finally {
        clearTimeout(timer);
        if (temporary) await rm(stateDir, { recursive: true, force: true });
      }
    });
}
