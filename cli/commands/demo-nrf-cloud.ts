import { ErrorCode, SimError } from '../../core/errors.js';
import type { LinkPresetName } from '../../core/link.js';
import {
  loadNrfCloudCa,
  makeBundle,
  startBrokerFixtures,
  type BrokerFixtures,
  type NrfCloudEndpoints,
} from '../../broker-fixtures/index.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { provisionNrfCloud } from '../../modem/credentials/provision.js';
import { nextAppEvent, runOutput, type DemoRun } from '../demo-support.js';
import type { Output } from '../output.js';

/** The parts of nRF Cloud's REST replies the demo reads. */
interface Reply {
  state?: { reported?: { pairing?: { state?: string } } };
  items?: Array<{ message?: { appId?: string } }>;
  bundleId?: string;
  jobId?: string;
  status?: string;
}

/** A REST call as a backend makes it: `Authorization: Bearer <apiKey>`, JSON (or a ZIP) both ways. */
async function rest(
  nrf: NrfCloudEndpoints,
  method: string,
  path: string,
  body?: unknown,
  zip?: Buffer,
): Promise<Reply | undefined> {
  const res = await fetch(`${nrf.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${nrf.apiKey}`,
      'content-type': zip ? 'application/zip' : 'application/json',
    },
    ...(zip ? { body: zip } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (res.status >= 300) {
    throw new SimError(ErrorCode.DEMO_FAILED, `${method} ${path} answered ${res.status}: ${text}`);
  }
  return text ? (JSON.parse(text) as Reply) : undefined;
}

async function poll<T>(fn: () => Promise<T | undefined>, what: string, run: DemoRun): Promise<T> {
  for (let i = 0; ; i++) {
    if (run.aborted) throw new SimError(ErrorCode.DEMO_FAILED, 'abandoned');
    const value = await fn();
    if (value !== undefined) return value;
    if (i >= 2400) throw new SimError(ErrorCode.DEMO_FAILED, `timed out waiting for ${what}`);
    await run.env.clock.sleep(25);
  }
}

/**
 * The nRF Cloud story on one machine: the local nRF Cloud starts, a device with credentials from its
 * CA boots the nrf_cloud sample, is onboarded by JITP, associated through the REST API, streams
 * sensor data (read back with `GET /v1/messages`), and is updated over the air from a firmware
 * bundle and a FOTA job, as a backend would drive real nRF Cloud.
 */
export async function runNrfCloudDemo(
  report: Output,
  stateDir: string,
  link: LinkPresetName,
  run: DemoRun,
): Promise<void> {
  const { clock } = run.env;
  const started = clock.monotonic();
  const seconds = (): number => Math.round((clock.monotonic() - started) / 100) / 10;
  const out = runOutput(report, run);
  let fixtures: BrokerFixtures | undefined;
  let device: Device | undefined;
  try {
    fixtures = await startBrokerFixtures({
      stateDir,
      clock,
      random: run.env.fresh(),
      port: 0,
      alpnPort: 0,
      apiPort: 0,
      nrfCloud: { port: 0, apiPort: 0, downloadPort: 0 },
    });
    run.fixtures = fixtures;
    const nrf = fixtures.endpoints.nrfCloud;
    if (!nrf) throw new SimError(ErrorCode.INVALID_STATE, 'the nRF Cloud stand-in did not start');
    out.event(
      'broker',
      { endpoint: nrf.endpoint, mqttPort: nrf.mqttPort, apiUrl: nrf.apiUrl, tenantId: nrf.tenantId },
      `broker   local nRF Cloud ${nrf.endpoint} on mqtts://${nrf.host}:${nrf.mqttPort}, REST ${nrf.apiUrl}`,
    );

    const name = `nrfc-${run.env.fresh().bytes(3).toString('hex')}`;
    device = await Device.boot({ clock, name, stateDir, profile: { link } });
    run.devices.push(device);
    const clientId = `nrf-${device.identity.imei}`;
    const ca = await loadNrfCloudCa(stateDir, clock);
    await provisionNrfCloud(device.credentials, { ca, clientId, now: clock.now() });
    out.event(
      'device',
      { name, clientId, imei: device.identity.imei, link },
      `device   ${name} booted as ${clientId} (${link} link); nRF Cloud credentials at sec tag 16842753`,
    );

    const config = { port: nrf.mqttPort, connectionRetryTimeoutS: 1, sensorIntervalS: 2 };
    const waiting = nextAppEvent(device, 'association-request');
    await device.control.program(buildAppImage({ app: 'nrf_cloud', version: '1.0.0', config }));
    out.event('flashed', { app: 'nrf_cloud', version: '1.0.0' }, 'flash    nrf_cloud 1.0.0 programmed');
    await waiting;
    const created = await rest(nrf, 'GET', `/v1/devices/${clientId}`);
    out.event(
      'onboarded',
      { clientId, state: created?.state?.reported?.pairing?.state ?? 'not_associated' },
      `onboard  JITP refused the first connection and created ${clientId}; it waits for association`,
    );

    const ready = nextAppEvent(device, 'ready');
    await rest(nrf, 'PUT', `/v1/association/${clientId}`);
    out.event('associate', { clientId }, `rest     PUT /v1/association/${clientId}`);
    await ready;
    out.event('ready', { clientId }, 'app      USER_ASSOCIATED, READY: the data channel is open');

    const messages = await poll(
      async () => {
        const r = await rest(nrf, 'GET', `/v1/messages?deviceId=${clientId}&pageLimit=100`);
        const items = r?.items ?? [];
        return items.length >= 4 ? items : undefined;
      },
      'sensor data',
      run,
    );
    const appIds = [...new Set(messages.map((m) => m.message?.appId))].sort();
    out.event(
      'messages',
      { count: messages.length, appIds },
      `rest     GET /v1/messages: ${messages.length} messages (${appIds.join(', ')})`,
    );

    const update = buildAppImage({ app: 'nrf_cloud', version: '1.0.1', config, size: 200_000 });
    const bundle = await rest(
      nrf,
      'POST',
      '/v1/firmwares',
      undefined,
      makeBundle({ image: update, version: '1.0.1' }),
    );
    const bundleId = bundle?.bundleId ?? '';
    const job = await rest(nrf, 'POST', '/v1/fota-jobs', { deviceIdentifiers: [clientId], bundleId });
    const jobId = job?.jobId ?? '';
    out.event(
      'job',
      { jobId, bundleId, bytes: update.length },
      `rest     firmware bundle ${bundleId} (${Math.round(update.length / 1024)} KB), FOTA job ${jobId}`,
    );
    const rebooted = new Promise<{ swapType?: string }>((resolve) =>
      (device as Device).once('boot', (r) => resolve(r as { swapType?: string })),
    );
    let shown = 0;
    const onFota = (event: string, d: Record<string, unknown>): void => {
      if (event !== 'fota' || typeof d.progress !== 'number' || d.progress < shown + 25) return;
      shown = d.progress - (d.progress % 25);
      out.event('progress', { percent: d.progress }, `fota     ${d.progress} %`);
    };
    device.on('app', onFota);
    const boot = await rebooted;
    device.off('app', onFota);
    const done = await poll(
      async () => {
        const r = await rest(nrf, 'GET', `/v1/fota-job-executions/${clientId}/${jobId}`);
        if (r?.status === 'FAILED' || r?.status === 'REJECTED')
          throw new SimError(ErrorCode.DEMO_FAILED, `the FOTA job ended ${r.status}`);
        return r?.status === 'SUCCEEDED' ? r : undefined;
      },
      'the job to succeed',
      run,
    );
    const running = device.manifest?.version;
    const confirmed = device.flash.imageControl().isImgConfirmed();
    out.event(
      'rebooted',
      { swapType: boot.swapType, version: running, confirmed, status: done.status },
      `boot     MCUboot ${boot.swapType ?? ''} swap; nrf_cloud ${running} running${confirmed ? ', confirmed' : ''}; job ${done.status}`,
    );
    if (running !== '1.0.1' || !confirmed) {
      throw new SimError(ErrorCode.DEMO_FAILED, `the device runs ${running ?? 'nothing'} after the update`);
    }
    out.event('done', { seconds: seconds() }, `done in ${seconds()} s`);
  } finally {
    await device?.close();
    await fixtures?.close();
  }
}
