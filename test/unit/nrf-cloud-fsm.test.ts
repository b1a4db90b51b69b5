import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryNrfCloudSettings,
  NrfCloud,
  type NrfCloudConfig,
  type NrfCloudEvt,
} from '../../cloud-libs/nrf-cloud/index.js';
import type { DfuTarget } from '../../cloud-libs/dfu-target/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import { NrfCloudPeer, until } from './nrf-cloud-peer.js';

const PREFIX = 'prod/5e0f1bb4-4d2b-4f1c-9b1e-2a7d0c5f3e11/';
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(config: Partial<NrfCloudConfig> = {}) {
  const peer = await NrfCloudPeer.start();
  const modem = new Modem({ name: 'nrfc-unit', clock: new VirtualClock() });
  cleanup.push(
    () => peer.close(),
    () => modem.close(),
  );
  const events: NrfCloudEvt[] = [];
  const settings = config.settings ?? new MemoryNrfCloudSettings();
  const cloud = await NrfCloud.init(modem, { connectClient: peer.connect, settings, ...config }, (e) =>
    events.push(e),
  );
  if (typeof cloud === 'number') throw new Error(`init ${cloud}`);
  const types = (): string[] => events.map((e) => e.type.replace('NRF_CLOUD_EVT_', ''));
  return { peer, modem, cloud, events, types, settings };
}

describe('nrf_cloud connection state machine', () => {
  it('takes a new device through association: CONNECTING, CONNECTED, ASSOCIATION_REQUEST, ASSOCIATED, READY', async () => {
    const { peer, cloud, types } = await setup();
    const id = cloud.clientId;
    expect(id).toMatch(/^nrf-\d{15}$/);
    expect(cloud.connect()).toBe(0);
    await until(() => types().includes('USER_ASSOCIATION_REQUEST'), 'association request');
    expect(types()).toEqual(['TRANSPORT_CONNECTING', 'TRANSPORT_CONNECTED', 'USER_ASSOCIATION_REQUEST']);
    expect(cloud.state).toBe('STATE_UA_PIN_WAIT');
    // The not-associated report, byte for byte, with id 300.
    await until(() => peer.published.some((p) => p.topic === `${id}/shadow/update`), 'report');
    const report = peer.published.find((p) => p.topic === `${id}/shadow/update`);
    expect(report?.payload).toBe(
      '{"state":{"reported":{"pairing":{"state":"not_associated","topics":null,"config":null},' +
        '"connection":{"keepalive":null},"nrfcloud_mqtt_topic_prefix":null,"pairingStatus":null,"stage":null}}}',
    );
    expect(cloud.sensorDataSend({ type: 'NRF_CLOUD_SENSOR_TEMP', data: '21.5' })).toBe(-13);

    peer.associate(id, PREFIX);
    await until(() => types().includes('READY'), 'READY');
    expect(types().slice(3)).toEqual(['RX_DATA_SHADOW', 'USER_ASSOCIATED', 'READY']);
    expect(cloud.state).toBe('STATE_DC_CONNECTED');

    // The ids the state machine keys on, in the order the library sends them.
    const ids = peer.ids().map(([t, mid]) => [t.replaceAll(id, '<id>').replaceAll(PREFIX, '<P>'), mid]);
    expect(ids).toEqual([
      [
        '<id>/shadow/get/accepted/tf,<id>/shadow/get/rejected,<id>/shadow/update/delta/trim,<id>/shadow/update/delta/trim/err',
        100,
      ],
      ['<id>/shadow/get/tf', 1000],
      ['<id>/shadow/update', 300],
      ['<id>/shadow/update', 301],
      ['<P>m/d/<id>/+/r', 101],
    ]);
    const tf = peer.published.find((p) => p.topic === `${id}/shadow/get/tf`);
    expect(JSON.parse(tf?.payload ?? '')).toEqual({
      t: '{ "nrfcloud_mqtt_topic_prefix": state.desired.nrfcloud_mqtt_topic_prefix, "pairing": state.desired.pairing }',
    });
    // The c2d topic ending in /c2d is subscribed as /+/r and re-reported in desired.
    const paired = JSON.parse(
      peer.published.filter((p) => p.topic === `${id}/shadow/update`)[1]?.payload ?? '',
    );
    expect(paired.state.reported.pairing).toEqual({
      state: 'paired',
      topics: { d2c: `${PREFIX}m/d/${id}/d2c`, c2d: `${PREFIX}m/d/${id}/+/r` },
    });
    expect(paired.state.reported.nrfcloud_mqtt_topic_prefix).toBe(PREFIX);
    expect(paired.state.desired).toEqual({ pairing: { topics: { c2d: `${PREFIX}m/d/${id}/+/r` } } });
  });

  it('connects a paired device straight to USER_ASSOCIATED and READY, sends data and hears c2d', async () => {
    const { peer, cloud, types, events } = await setup();
    const id = cloud.clientId;
    peer.associate(id, PREFIX); // desired set before the device connects
    cloud.connect();
    await until(() => types().includes('READY'), 'READY');
    expect(types()).toEqual(['TRANSPORT_CONNECTING', 'TRANSPORT_CONNECTED', 'USER_ASSOCIATED', 'READY']);

    expect(cloud.sensorDataSend({ type: 'NRF_CLOUD_SENSOR_TEMP', data: '21.5', tag: 10001 })).toBe(0);
    expect(cloud.sensorDataStream({ type: 'NRF_CLOUD_SENSOR_FLIP', data: 'UPSIDE_DOWN' })).toBe(0);
    await until(() => types().includes('SENSOR_DATA_ACK'), 'data ack');
    expect(events.find((e) => e.type === 'NRF_CLOUD_EVT_SENSOR_DATA_ACK')?.tag).toBe(10001);
    const d2c = peer.published.filter((p) => p.topic === `${PREFIX}m/d/${id}/d2c`);
    await until(
      () => d2c.length === 2 || peer.published.filter((p) => p.topic.endsWith('/d2c')).length === 2,
      'd2c',
    );
    d2c.splice(0, d2c.length, ...peer.published.filter((p) => p.topic === `${PREFIX}m/d/${id}/d2c`));
    d2c.sort((a, b) => b.qos - a.qos);
    expect(d2c).toEqual([
      {
        topic: `${PREFIX}m/d/${id}/d2c`,
        payload: '{"appId":"TEMP","data":"21.5","messageType":"DATA"}',
        qos: 1,
      },
      {
        topic: `${PREFIX}m/d/${id}/d2c`,
        payload: '{"appId":"FLIP","data":"UPSIDE_DOWN","messageType":"DATA"}',
        qos: 0,
      },
    ]);
    expect(peer.ids().find(([t]) => t.endsWith('/d2c'))?.[1]).toBe(10001);

    peer.send(`${PREFIX}m/d/${id}/c2d/r`, '{"appId":"LED","messageType":"CMD","data":{"state":1}}');
    await until(() => types().includes('RX_DATA_GENERAL'), 'c2d');
    const rx = events.find((e) => e.type === 'NRF_CLOUD_EVT_RX_DATA_GENERAL');
    expect(rx?.topic).toBe(`${PREFIX}m/d/${id}/c2d/r`);
    expect(JSON.parse(rx?.data?.toString() ?? '')).toEqual({
      appId: 'LED',
      messageType: 'CMD',
      data: { state: 1 },
    });
  });

  it('echoes a config delta as reported with desired cleared, and passes the delta on', async () => {
    const { peer, cloud, types } = await setup();
    peer.associate(cloud.clientId, PREFIX);
    cloud.connect();
    await until(() => types().includes('READY'), 'READY');
    peer.send(
      `${cloud.clientId}/shadow/update/delta/trim`,
      '{"state":{"config":{"interval":30}},"version":7}',
    );
    await until(() => types().includes('RX_DATA_SHADOW'), 'shadow delta');
    await until(() => peer.published.some((p) => p.payload.includes('"config":null')), 'config echo');
    const echo = peer.published.find((p) => p.payload.includes('"config":null'));
    expect(echo?.payload).toBe('{"state":{"desired":{"config":null},"reported":{"config":{"interval":30}}}}');
  });

  it('disconnects on the DISCON message of a deleted device: RX_DATA_DISCON then TRANSPORT_DISCONNECTED', async () => {
    const { peer, cloud, types, events } = await setup();
    peer.associate(cloud.clientId, PREFIX);
    cloud.connect();
    await until(() => types().includes('READY'), 'READY');
    peer.send(`${PREFIX}m/d/${cloud.clientId}/c2d/r`, '{"appId":"DEVICE","messageType":"DISCON"}');
    await until(() => types().includes('TRANSPORT_DISCONNECTED'), 'disconnect');
    expect(types().slice(-2)).toEqual(['RX_DATA_DISCON', 'TRANSPORT_DISCONNECTED']);
    expect(events.at(-1)?.status).toBe(0); // USER_REQUEST: the library itself disconnected
    expect(cloud.state).toBe('STATE_INITIALIZED');
    expect(cloud.connect()).toBe(0);
  });

  it('goes back to waiting for association when the cloud disassociates a connected device', async () => {
    const { peer, cloud, types } = await setup();
    peer.associate(cloud.clientId, PREFIX);
    cloud.connect();
    await until(() => types().includes('READY'), 'READY');
    peer.send(
      `${cloud.clientId}/shadow/update/delta/trim`,
      '{"state":{"pairing":{"state":"not_associated"}}}',
    );
    await until(() => types().includes('USER_ASSOCIATION_REQUEST'), 'association request');
    expect(cloud.state).toBe('STATE_UA_PIN_WAIT');
    expect(peer.sent.some((p) => p.cmd === 'unsubscribe' && p.messageId === 151)).toBe(true);
  });

  it('refuses a second connect and reports a user disconnect', async () => {
    const { peer, cloud, types, events } = await setup();
    peer.associate(cloud.clientId, PREFIX);
    expect(cloud.connect()).toBe(0);
    expect(cloud.connect()).toBe(-11); // NRF_CLOUD_CONNECT_RES_ERR_ALREADY_CONNECTED
    await until(() => types().includes('READY'), 'READY');
    expect(cloud.disconnect()).toBe(0);
    await until(() => types().includes('TRANSPORT_DISCONNECTED'), 'disconnect');
    expect(events.at(-1)).toMatchObject({ type: 'NRF_CLOUD_EVT_TRANSPORT_DISCONNECTED', status: 0 });
    expect(cloud.disconnect()).toBe(-128);
  });

  it('resumes a saved persistent session (p_sesh): no SUBSCRIBEs, USER_ASSOCIATED and READY straight away', async () => {
    const { peer, cloud, types, settings } = await setup({ cleanSession: false });
    peer.associate(cloud.clientId, PREFIX);
    cloud.connect();
    await until(() => types().includes('READY'), 'READY');
    expect(await settings.load('nrf_cloud/p_sesh')).toBe('1');
    // The first session was clean, so the broker kept nothing: the next (clean=0) connection finds
    // no session, subscribes again and saves the flag; the one after that resumes.
    for (let i = 0; i < 2; i++) {
      const at = types().length;
      cloud.disconnect();
      await until(() => types().slice(at).includes('TRANSPORT_DISCONNECTED'), 'disconnect');
      if (i === 1) break;
      cloud.connect();
      await until(() => types().slice(at).includes('READY'), 'READY');
    }
    const subscribes = peer.sent.filter((p) => p.cmd === 'subscribe').length;
    const from = types().length;
    cloud.connect();
    await until(() => types().slice(from).includes('READY'), 'READY again');
    expect(types().slice(from)).toEqual([
      'TRANSPORT_CONNECTING',
      'TRANSPORT_CONNECTED',
      'USER_ASSOCIATED',
      'READY',
    ]);
    const connect = peer.sent.filter((p) => p.cmd === 'connect').at(-1);
    expect(connect?.cmd === 'connect' && connect.clean).toBe(false);
    expect(peer.sent.filter((p) => p.cmd === 'subscribe')).toHaveLength(subscribes);
  });

  it('uses the modem UUID as client id when configured (CLIENT_ID_SRC_MDM_DEVICE_UUID)', async () => {
    const { cloud } = await setup({ clientIdSource: 'MDM_DEVICE_UUID' });
    expect(cloud.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('nrf_cloud FOTA job arrays', () => {
  const dfu = {} as DfuTarget; // no download starts in these tests

  it('subscribes jobs/rcv (103) once READY, then asks for the latest job with [""] (201)', async () => {
    const { peer, cloud, types } = await setup({ fota: { dfu } });
    peer.associate(cloud.clientId, PREFIX);
    cloud.connect();
    await until(() => peer.published.some((p) => p.topic.endsWith('/jobs/req')), 'job request');
    expect(types()).toContain('READY');
    const ids = peer.ids().slice(-2);
    expect(ids).toEqual([
      [`${PREFIX}${cloud.clientId}/jobs/rcv`, 103],
      [`${PREFIX}${cloud.clientId}/jobs/req`, 201],
    ]);
    expect(peer.published.find((p) => p.topic.endsWith('/jobs/req'))?.payload).toBe('[""]');
    const paired = JSON.parse(
      peer.published.filter((p) => p.topic.endsWith('/shadow/update'))[0]?.payload ?? '',
    );
    expect(paired.state.reported.device.serviceInfo).toEqual({ ui: null, fota_v2: ['APP', 'MODEM'] });
  });

  it('rejects a job it cannot parse and a type it does not take, with the NCS error texts', async () => {
    const { peer, cloud } = await setup({ fota: { dfu } });
    peer.associate(cloud.clientId, PREFIX);
    cloud.connect();
    await until(() => peer.published.some((p) => p.topic.endsWith('/jobs/req')), 'job request');
    const rcv = `${PREFIX}${cloud.clientId}/jobs/rcv`;
    const updates = (): string[] =>
      peer.published.filter((p) => p.topic.endsWith('/jobs/update')).map((p) => p.payload);
    peer.send(rcv, '["bad-job",0,"not a size","h","p"]');
    await until(() => updates().length === 1, 'reject');
    expect(updates()).toEqual(['["bad-job",6,"Job info is invalid"]']);
    peer.send(rcv, '["full-modem",5,1000,"fw.nrfcloud.com","v1/firmwares/mfw.zip"]');
    await until(() => updates().length === 2, 'bad type');
    expect(updates()[1]).toBe('["full-modem",6,"FOTA type not supported"]');
    expect(
      peer
        .ids()
        .filter(([t]) => t.endsWith('/jobs/update'))
        .map(([, id]) => id),
    ).toEqual([302, 302]);
  });

  it('reports SUCCEEDED after the reboot into a confirmed-now image, and "not validated" when it was confirmed already', async () => {
    for (const [confirmed, expected] of [
      [false, '["job-1",3,""]'],
      [true, '["job-1",3,"FOTA update not validated"]'],
    ] as const) {
      const settings = new MemoryNrfCloudSettings();
      await settings.save(
        'nrf_cloud/fota/job',
        JSON.stringify({
          validate: 'NRF_CLOUD_FOTA_VALIDATE_PENDING',
          type: 'NRF_CLOUD_FOTA_APPLICATION',
          id: 'job-1',
        }),
      );
      let confirms = 0;
      const image = { isImgConfirmed: () => confirmed, writeImgConfirmed: async () => void confirms++ };
      const { peer, cloud } = await setup({ settings, fota: { dfu, image } });
      expect(confirms).toBe(confirmed ? 0 : 1);
      peer.associate(cloud.clientId, PREFIX);
      cloud.connect();
      await until(() => peer.published.some((p) => p.topic.endsWith('/jobs/update')), 'job report');
      expect(peer.published.find((p) => p.topic.endsWith('/jobs/update'))?.payload).toBe(expected);
      // The report's PUBACK clears the saved job.
      await until(() => peer.published.some((p) => p.topic.endsWith('/jobs/req')), 'job request');
      expect(await settings.load('nrf_cloud/fota/job')).toBeUndefined();
      for (const c of cleanup.splice(0).reverse()) await c();
    }
  });

  it('a modem delta validated at boot asks for one more reboot (the modem library result)', async () => {
    const settings = new MemoryNrfCloudSettings();
    await settings.save(
      'nrf_cloud/fota/job',
      JSON.stringify({
        validate: 'NRF_CLOUD_FOTA_VALIDATE_PENDING',
        type: 'NRF_CLOUD_FOTA_MODEM_DELTA',
        id: 'm-1',
      }),
    );
    let reboots = 0;
    await setup({ settings, fota: { dfu, modemDfuResult: 'ok', reboot: () => reboots++ } });
    expect(reboots).toBe(1);
    expect(JSON.parse((await settings.load('nrf_cloud/fota/job')) ?? '').validate).toBe(
      'NRF_CLOUD_FOTA_VALIDATE_PASS',
    );
  });
});
