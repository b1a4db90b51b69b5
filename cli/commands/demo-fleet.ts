import { ErrorCode, SimError } from '../../core/errors.js';
import type { LinkPresetName } from '../../core/link.js';
import type { BrokerFixtures } from '../../broker-fixtures/index.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import {
  BUCKET,
  nextAppEvent,
  putDemoCredentials,
  runOutput,
  SEC_TAG,
  startDemoFixtures,
  type DemoRun,
} from '../demo-support.js';
import type { Output } from '../output.js';

/** Resolves when `device` reports to its shadow with `appVersion`. */
function reports(device: Device, appVersion: string): Promise<Record<string, unknown>> {
  return nextAppEvent(device, 'shadow-update', (d) => {
    const state = d.state as { reported?: { app_version?: string } } | undefined;
    return state?.reported?.app_version === appVersion;
  });
}

/** Calls `step` for every tenth of `promises` that has settled, then resolves with all results. */
async function counted<T>(promises: Array<Promise<T>>, step: (done: number) => void): Promise<T[]> {
  let done = 0;
  let shown = 0;
  const tenth = Math.max(1, Math.ceil(promises.length / 10));
  return Promise.all(
    promises.map((p) =>
      p.then((value) => {
        done++;
        if (done === promises.length || done - shown >= tenth) {
          shown = done;
          step(done);
        }
        return value;
      }),
    ),
  );
}

/**
 * The demo for a fleet: N things in one thing group, N devices running the `aws_iot` sample, and
 * one job for the group; every device downloads the update at once, reboots into it and reports it.
 */
export async function runFleetDemo(
  report: Output,
  stateDir: string,
  link: LinkPresetName,
  count: number,
  run: DemoRun,
): Promise<void> {
  const { clock } = run.env;
  const started = clock.monotonic();
  const seconds = (): number => Math.round((clock.monotonic() - started) / 100) / 10;
  const out = runOutput(report, run);
  let fixtures: BrokerFixtures | undefined;
  try {
    fixtures = await startDemoFixtures(out, stateDir, run);
    // One image for the whole fleet: no client id in it, so each device connects as nrf-<IMEI>.
    const { endpoint, mqttPort } = fixtures.endpoints;
    const config = { endpoint, port: mqttPort, secTag: SEC_TAG, appTopics: [] };
    const base = `demo-${run.env.fresh().bytes(3).toString('hex')}`;
    for (let i = 0; i < count; i++) {
      const device = await Device.boot({
        clock,
        name: `${base}-${i}`,
        stateDir,
        serial: 'none',
        profile: { link },
      });
      run.devices.push(device);
    }
    const names = run.devices.map((d) => `nrf-${d.identity.imei}`);
    const things = await fixtures.provisioning.provisionThings(names);
    const group = base;
    await fixtures.console.dispatch({ method: 'POST', url: `/thing-groups/${group}` });
    for (const name of names) {
      await fixtures.console.dispatch({ method: 'PUT', url: `/thing-groups/${group}/things/${name}` });
    }
    out.event(
      'things',
      { count, group, first: names[0], last: names.at(-1) },
      `things   ${count} things ${names[0]} … ${names.at(-1)} in thing group ${group}`,
    );

    const firstReports: Array<Promise<Record<string, unknown>>> = [];
    const image = buildAppImage({ app: 'aws_iot', version: '1.0.0', config });
    for (const [i, device] of run.devices.entries()) {
      const thing = things[i];
      if (!thing) throw new SimError(ErrorCode.INVALID_STATE, 'provisioning returned too few things');
      await putDemoCredentials(device, fixtures, thing);
      firstReports.push(reports(device, '1.0.0'));
      await device.control.program(image);
    }
    out.event(
      'devices',
      { count, link },
      `devices  ${count} devices booted and flashed with aws_iot 1.0.0 (${link} link)`,
    );
    await counted(firstReports, (n) =>
      out.event('connected', { count: n }, `app      ${n}/${count} connected and reporting 1.0.0`),
    );

    const s3 = fixtures.s3;
    if (!s3?.httpUrl) throw new SimError(ErrorCode.INVALID_STATE, 'the S3 stand-in is not serving HTTP');
    const update = buildAppImage({ app: 'aws_iot', version: '1.0.1', config, size: 200_000 });
    if (!(await s3.store.bucketExists(BUCKET))) await s3.store.createBucket(BUCKET);
    const key = `${group}/app_update_1.0.1.bin`;
    await s3.store.putObject(BUCKET, key, update);
    const updated = run.devices.map((d) => reports(d, '1.0.1'));
    // A device whose download fails marks its execution FAILED and stays on 1.0.0: stop there.
    const failed = Promise.race(
      run.devices.map((d, i) =>
        nextAppEvent(d, 'fota', (e) => e.id === 'AWS_IOT_EVT_FOTA_ERROR').then(() => {
          throw new SimError(
            ErrorCode.DEMO_FAILED,
            `${names[i]} reported a FOTA error; its execution is FAILED`,
          );
        }),
      ),
    );
    const jobId = `fota-${group}`;
    const created = await fixtures.console.dispatch({
      method: 'PUT',
      url: `/jobs/${jobId}`,
      body: {
        targets: [`thinggroup/${group}`],
        document: {
          operation: 'app_fw_update',
          fwversion: 'v1.0.1',
          size: update.length,
          location: { protocol: 'http:', host: new URL(s3.httpUrl).host, path: `${BUCKET}/${key}` },
        },
      },
    });
    if (created.status !== 200) {
      throw new SimError(ErrorCode.INVALID_STATE, `creating the job failed: ${JSON.stringify(created.body)}`);
    }
    out.event(
      'job',
      { jobId, group, version: '1.0.1', bytes: update.length },
      `job      ${jobId} for thing group ${group}: aws_iot 1.0.1 (${Math.round(update.length / 1024)} KB)`,
    );
    await Promise.race([
      counted(updated, (n) =>
        out.event('updated', { count: n }, `fota     ${n}/${count} devices run and report 1.0.1`),
      ),
      failed,
    ]);
    const job = await fixtures.console.dispatch({ method: 'GET', url: `/jobs/${jobId}` });
    const details = (job.body as { job?: { jobProcessDetails?: { numberOfSucceededThings?: number } } }).job
      ?.jobProcessDetails;
    out.event(
      'job-status',
      { jobId, succeeded: details?.numberOfSucceededThings },
      `job      ${jobId}: ${details?.numberOfSucceededThings ?? 0}/${count} executions SUCCEEDED`,
    );
    if (details?.numberOfSucceededThings !== count) {
      throw new SimError(ErrorCode.DEMO_FAILED, 'not every job execution SUCCEEDED');
    }
    out.event('done', { seconds: seconds(), devices: count }, `done in ${seconds()} s`);
  } finally {
    for (const d of run.devices) await d.close();
    await fixtures?.close();
  }
}
