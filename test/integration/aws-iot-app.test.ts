import { systemClock } from '../../core/clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import {
  connectClient,
  createObserver,
  createThing,
  putThingCredentials,
  startStandIn,
  type StandIn,
} from './broker-helpers.js';
import { nextApp } from '../helpers/app-events.js';

const TAG = 44;
let s: StandIn;
beforeAll(async () => {
  s = await startStandIn();
});
afterAll(() => s.stop());

describe('the aws_iot sample application', () => {
  it('confirms an update only once it has reached AWS IoT: an image that cannot connect is reverted', async () => {
    const thing = 'sample-revert';
    const creds = await createThing(s.fixtures, thing);
    const device = await Device.boot({ clock: systemClock, name: thing });
    try {
      await putThingCredentials(device.modem, TAG, s.fixtures.ca.certificatePem, creds);
      const { endpoint, mqttPort } = s.fixtures.endpoints;
      const config = { endpoint, port: mqttPort, secTag: TAG, clientId: thing, appTopics: [`${thing}/in`] };

      let report = nextApp(device, 'shadow-update');
      await device.control.program(buildAppImage({ app: 'aws_iot', version: '1.0.0', config }));
      expect(await report).toMatchObject({ state: { reported: { app_version: '1.0.0' } } });

      // 1.0.1 points at an endpoint that does not resolve: it runs once, never connects, never confirms.
      const broken = buildAppImage({
        app: 'aws_iot',
        version: '1.0.1',
        config: { ...config, endpoint: 'nowhere.example' },
      });
      const writer = device.flash.imageControl().secondaryWriter();
      await writer.write(broken);
      await writer.done();
      await device.flash.imageControl().requestUpgrade('test');
      const failed = nextApp(device, 'disconnected');
      const trial = await device.control.reboot();
      expect(trial.swapType).toBe('test');
      expect(device.manifest?.version).toBe('1.0.1');
      expect(await failed).toEqual({ event: 'AWS_IOT_EVT_CONNECTING', err: -3 });
      expect(device.flash.imageControl().isImgConfirmed()).toBe(false);

      report = nextApp(device, 'shadow-update');
      const back = await device.control.reboot();
      expect(back.swapType).toBe('revert');
      expect(device.manifest?.version).toBe('1.0.0');
      expect(await report).toMatchObject({ state: { reported: { app_version: '1.0.0' } } });
    } finally {
      await device.close();
    }
  });

  it("subscribes what the sample's prj.conf sets: a desired change arrives as update/delta", async () => {
    const thing = 'sample-defaults';
    const creds = await createThing(s.fixtures, thing);
    const observer = await connectClient(
      s.fixtures,
      await createObserver(s.fixtures, 'defaults-observer'),
      'defaults-observer',
    );
    const device = await Device.boot({ clock: systemClock, name: thing });
    try {
      await putThingCredentials(device.modem, TAG, s.fixtures.ca.certificatePem, creds);
      const { endpoint, mqttPort } = s.fixtures.endpoints;
      // No shadowSubscriptions: the sample's defaults. The app topics are the thing's own (policy).
      const config = { endpoint, port: mqttPort, secTag: TAG, clientId: thing, appTopics: [`${thing}/in`] };
      const report = nextApp(device, 'shadow-update');
      await device.control.program(buildAppImage({ app: 'aws_iot', version: '1.0.0', config }));
      await report;

      const delta = nextApp(device, 'data');
      await new Promise<void>((resolve, reject) =>
        observer.publish(
          `$aws/things/${thing}/shadow/update`,
          JSON.stringify({ state: { desired: { interval: 42 } } }),
          { qos: 1 },
          (err) => (err ? reject(err) : resolve()),
        ),
      );
      const data = await delta;
      expect(data.topic).toBe(`$aws/things/${thing}/shadow/update/delta`);
      expect(JSON.parse(data.payload as string)).toMatchObject({ state: { interval: 42 } });
    } finally {
      await device.close();
      observer.end(true);
    }
  }, 60_000);
});
