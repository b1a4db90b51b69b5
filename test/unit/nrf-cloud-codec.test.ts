import { describe, expect, it } from 'vitest';
import {
  dcRxTopicDecode,
  endpointDecode,
  fotaJobDecode,
  fotaJobUpdateEncode,
  isDisconnectionRequest,
  NrfCloudMessageIds,
  sensorMessageEncode,
  shadowDataDecode,
  shadowStateDecode,
  wildcardC2dTopic,
} from '../../cloud-libs/nrf-cloud/index.js';

describe('nrf_cloud codec', () => {
  it('decides the association state from the prefix first, then pairing.state', () => {
    expect(shadowStateDecode({ nrfcloud_mqtt_topic_prefix: 'prod/t/', pairing: { state: 'paired' } })).toBe(
      'STATE_UA_PIN_COMPLETE',
    );
    expect(shadowStateDecode({ pairing: { state: 'not_associated' } })).toBe('STATE_UA_PIN_WAIT');
    expect(shadowStateDecode({ pairing: { state: 'initiate' } })).toBe(-134); // -ENOTSUP: the PIN flow
    expect(shadowStateDecode({ config: { a: 1 } })).toBe(-61); // -ENODATA
  });

  it('reads a transform answer and a trimmed delta, and flags the error topic', () => {
    expect(shadowDataDecode('NCT_CC_OPCODE_TRANSFORM', '{"tf":{"pairing":{"state":"paired"}}}')).toEqual({
      type: 'transform',
      state: { pairing: { state: 'paired' } },
      isErr: false,
    });
    expect(shadowDataDecode('NCT_CC_OPCODE_UPDATE_DELTA', '{"state":{"x":1},"version":3}')?.state).toEqual({
      x: 1,
    });
    expect(shadowDataDecode('NCT_CC_OPCODE_UPDATE_DELTA_ERR', '{"state":{}}')?.isErr).toBe(true);
    expect(shadowDataDecode('NCT_CC_OPCODE_TRANSFORM', 'not json')).toBeUndefined();
  });

  it('rewrites a /c2d topic to /+/r and needs paired topics for the endpoints', () => {
    expect(wildcardC2dTopic('prod/t/m/d/dev/c2d')).toEqual({ topic: 'prod/t/m/d/dev/+/r', modified: true });
    expect(wildcardC2dTopic('prod/t/m/d/dev/+/r')).toEqual({ topic: 'prod/t/m/d/dev/+/r', modified: false });
    const eps = endpointDecode({
      nrfcloud_mqtt_topic_prefix: 'prod/t/',
      pairing: { state: 'paired', topics: { d2c: 'prod/t/m/d/dev/d2c', c2d: 'prod/t/m/d/dev/c2d' } },
    });
    expect(eps).toMatchObject({
      bulk: 'prod/t/m/d/dev/d2c/bulk',
      bin: 'prod/t/m/d/dev/d2c/bin',
      c2dModified: true,
    });
    expect(endpointDecode({ nrfcloud_mqtt_topic_prefix: 'prod/t/', pairing: { state: 'paired' } })).toBe(-2);
  });

  it('encodes d2c messages with appId, data, messageType (and ts) in that order', () => {
    expect(sensorMessageEncode('GPS', '$GPGGA,1')).toBe(
      '{"appId":"GPS","data":"$GPGGA,1","messageType":"DATA"}',
    );
    expect(sensorMessageEncode('TEMP', '21', 5)).toBe(
      '{"appId":"TEMP","data":"21","messageType":"DATA","ts":5}',
    );
    expect(isDisconnectionRequest('{"appId":"DEVICE","messageType":"DISCON"}')).toBe(true);
    expect(isDisconnectionRequest('{"appId":"DEVICE","messageType":"DATA"}')).toBe(false);
    expect(dcRxTopicDecode('prod/t/m/d/dev/ground_fix/r')).toBe('LOCATION');
    expect(dcRxTopicDecode('prod/t/m/d/dev/c2d/r')).toBe('GENERAL');
  });

  it('decodes FOTA job arrays and encodes status arrays with progress or error text', () => {
    expect(fotaJobDecode('["abcd",0,1234,"fw.nrfcloud.com","/v1/firmwares/app.bin"]')).toEqual({
      job: {
        id: 'abcd',
        type: 'NRF_CLOUD_FOTA_APPLICATION',
        fileSize: 1234,
        host: 'fw.nrfcloud.com',
        path: 'v1/firmwares/app.bin',
      },
    });
    expect(fotaJobDecode('["m",1,10,"h","p"]')).toMatchObject({
      job: { type: 'NRF_CLOUD_FOTA_MODEM_DELTA' },
    });
    expect(fotaJobDecode('[""]')).toBeUndefined();
    expect(fotaJobDecode('[]')).toBeUndefined();
    expect(fotaJobDecode('["x",9,10,"h","p"]')).toEqual({ reject: 'x', type: undefined });
    expect(fotaJobUpdateEncode('j', 'NRF_CLOUD_FOTA_DOWNLOADING', { progress: 40 })).toBe('["j",7,40]');
    expect(
      fotaJobUpdateEncode('j', 'NRF_CLOUD_FOTA_IN_PROGRESS', { error: 'NRF_CLOUD_FOTA_ERROR_NONE' }),
    ).toBe('["j",1,""]');
    expect(
      fotaJobUpdateEncode('j', 'NRF_CLOUD_FOTA_FAILED', { error: 'NRF_CLOUD_FOTA_ERROR_DOWNLOAD' }),
    ).toBe('["j",2,"Error during download"]');
  });

  it('hands mqtt.js the claimed ids in order and cycles the automatic ones through 1000-9999', () => {
    const ids = new NrfCloudMessageIds();
    ids.claim(100);
    ids.claim(10001);
    ids.claim();
    expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([100, 10001, 1000]);
    for (let i = 1001; i <= 9999; i++) ids.claim();
    ids.claim();
    const all = Array.from({ length: 9000 }, () => ids.allocate());
    expect(all.at(-2)).toBe(9999);
    expect(all.at(-1)).toBe(1000);
  });
});
