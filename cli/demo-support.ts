import { ErrorCode, SimError } from '../core/errors.js';
import { startBrokerFixtures, type BrokerFixtures } from '../broker-fixtures/index.js';
import type { Device } from '../firmware/device.js';
import type { CliEnv } from './env.js';
import type { Output } from './output.js';

/** Sec tag of the demo devices' AWS IoT credentials (the sample's CONFIG_AWS_IOT_SEC_TAG). */
export const SEC_TAG = 201;
export const BUCKET = 'nrf91sim-demo';

/** What a run holds, so a timeout can stop it. */
export interface DemoRun {
  /** The clock and randomness the run's stand-in, devices and waits use. */
  readonly env: CliEnv;
  aborted: boolean;
  fixtures?: BrokerFixtures;
  devices: Device[];
}

/** Resolves with the next `app` event named `name` (and matching `match`) the device emits. */
export function nextAppEvent(
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
export async function reportedShadow(
  run: DemoRun,
  fixtures: BrokerFixtures,
  thing: string,
  appVersion: string,
): Promise<Record<string, unknown>> {
  for (let i = 0; ; i++) {
    const r = await fixtures.console.dispatch({ method: 'GET', url: `/things/${thing}/shadow` });
    const body = r.body as { state?: { reported?: Record<string, unknown> } };
    const reported = body.state?.reported ?? {};
    if (reported.app_version === appVersion) return reported;
    if (i >= 4800) {
      throw new SimError(ErrorCode.DEMO_FAILED, `the shadow does not report app_version ${appVersion}`);
    }
    await run.env.clock.sleep(25);
  }
}

/** The run's output: after a timeout the run is abandoned, says nothing more and stops at its next step. */
export function runOutput(report: Output, run: DemoRun): Pick<Output, 'event'> {
  return {
    event: (event, fields, text) => {
      if (run.aborted) throw new SimError(ErrorCode.DEMO_FAILED, 'abandoned');
      report.event(event, fields, text);
    },
  };
}

/** The AWS IoT stand-in with its S3 on free ports, announced as the run's first event. */
export async function startDemoFixtures(
  out: Pick<Output, 'event'>,
  stateDir: string,
  run: DemoRun,
): Promise<BrokerFixtures> {
  const fixtures = await startBrokerFixtures({
    stateDir,
    clock: run.env.clock,
    random: run.env.fresh(),
    port: 0,
    alpnPort: 0,
    apiPort: 0,
    s3: { httpPort: 0, httpsPort: 0 },
  });
  run.fixtures = fixtures;
  const e = fixtures.endpoints;
  try {
    out.event(
      'broker',
      { endpoint: e.endpoint, mqttPort: e.mqttPort, console: e.apiUrl, s3: e.s3?.http },
      `broker   AWS IoT stand-in ${e.endpoint} on mqtts://${e.host}:${e.mqttPort}, S3 on ${e.s3?.http}`,
    );
  } catch (err) {
    // The run timed out while the stand-in was starting: nobody else holds it to close it.
    await fixtures.close();
    throw err;
  }
  return fixtures;
}

/** The aws_iot sample's configuration for `thing` on these fixtures. */
export function sampleConfig(fixtures: BrokerFixtures, thing: string): Record<string, unknown> {
  const { endpoint, mqttPort } = fixtures.endpoints;
  // The stand-in's default policy lets a thing use its own `<thing>/…` topics.
  return { endpoint, port: mqttPort, secTag: SEC_TAG, clientId: thing, appTopics: [`${thing}/commands`] };
}

/** Puts the broker CA and a thing's certificate and key into the device's demo sec tag. */
export async function putDemoCredentials(
  device: Device,
  fixtures: BrokerFixtures,
  thing: { certificatePem: string; privateKey?: string },
): Promise<void> {
  if (!thing.privateKey) throw new SimError(ErrorCode.INVALID_STATE, 'provisioning returned no key');
  await device.modem.credentials.put({ secTag: SEC_TAG, type: 0, content: fixtures.ca.certificatePem });
  await device.modem.credentials.put({ secTag: SEC_TAG, type: 1, content: thing.certificatePem });
  await device.modem.credentials.put({ secTag: SEC_TAG, type: 2, content: thing.privateKey });
}
