import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  IoTClient,
} from '@aws-sdk/client-iot';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsIot, type AwsIotEvt } from '../../cloud-libs/aws-iot/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import { untilRegistered } from '../helpers/registered.js';
import { OPEN_POLICY, putThingCredentials, startStandIn, type StandIn } from './broker-helpers.js';

const TAG = 42;
const THING = 'rsa-device';
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'example-secret' };

let s: StandIn;
let modem: Modem | undefined;
let iot: AwsIot | undefined;

beforeAll(async () => {
  s = await startStandIn();
});

afterAll(async () => {
  await iot?.disconnect();
  await modem?.close();
  await s?.stop();
});

describe('an nRF91 device provisioned through the AWS SDK', () => {
  it('connects aws_iot with the RSA-2048 certificate and key from CreateKeysAndCertificate in its sec tag, and gets a desired change made through the data plane', async () => {
    const config = { endpoint: s.fixtures.endpoints.awsApiUrl!, region: 'eu-west-1', credentials };
    const control = new IoTClient(config);
    const data = new IoTDataPlaneClient(config);
    await control.send(new CreatePolicyCommand({ policyName: 'rsa-open', policyDocument: OPEN_POLICY }));
    await control.send(new CreateThingCommand({ thingName: THING }));
    const keys = await control.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await control.send(new AttachPolicyCommand({ policyName: 'rsa-open', target: keys.certificateArn! }));
    await control.send(
      new AttachThingPrincipalCommand({ thingName: THING, principal: keys.certificateArn! }),
    );

    modem = new Modem({ name: THING, clock: new VirtualClock() });
    await putThingCredentials(modem, TAG, s.fixtures.ca.certificatePem, {
      cert: keys.certificatePem!,
      key: keys.keyPair!.PrivateKey!,
    });
    await modem.channel().command('AT+CFUN=1');
    await untilRegistered(modem);

    const events: AwsIotEvt[] = [];
    let wake: (() => void) | undefined;
    const until = async (pred: (e: AwsIotEvt) => boolean): Promise<AwsIotEvt> => {
      for (;;) {
        const hit = events.find(pred);
        if (hit) return hit;
        await new Promise<void>((r) => (wake = r));
      }
    };
    const { endpoint, mqttPort } = s.fixtures.endpoints;
    const client = AwsIot.init(
      modem,
      { host: endpoint, port: mqttPort, secTag: TAG, clientId: THING, shadowSubscriptions: ['update/delta'] },
      (evt) => {
        events.push(evt);
        wake?.();
      },
    );
    if (typeof client === 'number') throw new Error(`aws_iot init failed: ${client}`);
    iot = client;
    expect(client.connect()).toBe(0);
    await until((e) => e.type === 'AWS_IOT_EVT_READY');

    await data.send(
      new UpdateThingShadowCommand({
        thingName: THING,
        payload: Buffer.from(JSON.stringify({ state: { desired: { interval: 60 } } })),
      }),
    );
    const delta = await until(
      (e) => e.type === 'AWS_IOT_EVT_DATA_RECEIVED' && e.msg.topic.endsWith('/shadow/update/delta'),
    );
    const payload = (delta as { msg: { payload: Buffer } }).msg.payload.toString();
    expect(JSON.parse(payload)).toMatchObject({ state: { interval: 60 } });
    control.destroy();
    data.destroy();
  });
});
