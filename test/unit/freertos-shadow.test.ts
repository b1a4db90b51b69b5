import { describe, expect, it } from 'vitest';
import {
  ShadowClient,
  ShadowReturnCode,
  isShadowJsonError,
  isShadowRejection,
  shadowAssembleTopicString,
  shadowMatchTopicString,
  shadowReturnCodeName,
} from '../../cloud-libs/freertos/index.js';
import {
  JSMN_ERROR_INVAL,
  JSMN_ERROR_NOMEM,
  JSMN_ERROR_PART,
  jsmnParse,
  jsmnValue,
} from '../../cloud-libs/freertos/jsmn.js';
import { clientTokenMatch, rejectedCode } from '../../cloud-libs/freertos/shadow-json.js';
import { brokerPublish, ScriptedPeer } from './freertos-scripted-peer.js';

describe('Device Shadow topic helpers (shadow.h)', () => {
  it('assembles classic and named topics, and refuses bad names and small buffers', () => {
    expect(shadowAssembleTopicString('ShadowTopicStringTypeUpdateDelta', 'dev')).toEqual({
      status: 'SHADOW_SUCCESS',
      topic: '$aws/things/dev/shadow/update/delta',
    });
    expect(shadowAssembleTopicString('ShadowTopicStringTypeGetAccepted', 'dev', 'cfg').topic).toBe(
      '$aws/things/dev/shadow/name/cfg/get/accepted',
    );
    expect(shadowAssembleTopicString('ShadowTopicStringTypeGet', '').status).toBe('SHADOW_BAD_PARAMETER');
    expect(shadowAssembleTopicString('ShadowTopicStringTypeGet', 'x'.repeat(129)).status).toBe(
      'SHADOW_BAD_PARAMETER',
    );
    expect(shadowAssembleTopicString('ShadowTopicStringTypeGet', 'd', 'n'.repeat(65)).status).toBe(
      'SHADOW_BAD_PARAMETER',
    );
    // '$aws/things/dev/shadow/get' is 26 bytes.
    expect(shadowAssembleTopicString('ShadowTopicStringTypeGet', 'dev', '', 25).status).toBe(
      'SHADOW_BUFFER_TOO_SMALL',
    );
    expect(shadowAssembleTopicString('ShadowTopicStringTypeGet', 'dev', '', 26).status).toBe(
      'SHADOW_SUCCESS',
    );
  });

  it('matches response topics and says which part did not parse', () => {
    expect(shadowMatchTopicString('$aws/things/dev/shadow/name/cfg/update/documents')).toEqual({
      status: 'SHADOW_SUCCESS',
      messageType: 'ShadowMessageTypeUpdateDocuments',
      thingName: 'dev',
      shadowName: 'cfg',
    });
    expect(shadowMatchTopicString('$aws/things/dev/shadow/delete/rejected')).toMatchObject({
      messageType: 'ShadowMessageTypeDeleteRejected',
      shadowName: '',
    });
    expect(shadowMatchTopicString('').status).toBe('SHADOW_BAD_PARAMETER');
    expect(shadowMatchTopicString('dev/shadow/update').status).toBe('SHADOW_FAIL');
    expect(shadowMatchTopicString('$aws/things//shadow/update/delta').status).toBe(
      'SHADOW_THINGNAME_PARSE_FAILED',
    );
    expect(shadowMatchTopicString('$aws/things/dev/jobs/notify').status).toBe('SHADOW_ROOT_PARSE_FAILED');
    expect(shadowMatchTopicString('$aws/things/dev/shadow/name//get/accepted').status).toBe(
      'SHADOW_SHADOWNAME_PARSE_FAILED',
    );
    // The request topics are not responses; an extra suffix is not either.
    expect(shadowMatchTopicString('$aws/things/dev/shadow/update').status).toBe(
      'SHADOW_MESSAGE_TYPE_PARSE_FAILED',
    );
    expect(shadowMatchTopicString('$aws/things/dev/shadow/update/delta/x').status).toBe(
      'SHADOW_MESSAGE_TYPE_PARSE_FAILED',
    );
  });
});

describe('jsmn tokens and the Shadow client JSON rules', () => {
  it('tokenizes like jsmn and reports its three errors', () => {
    const text = '{"a":[1,true,"s"],"b":{"c":null}}';
    const tokens = jsmnParse(text, 64);
    expect(Array.isArray(tokens) && tokens.map((t) => [t.type, t.size])).toEqual([
      ['object', 2],
      ['string', 1],
      ['array', 3],
      ['primitive', 0],
      ['primitive', 0],
      ['string', 0],
      ['string', 1],
      ['object', 1],
      ['string', 1],
      ['primitive', 0],
    ]);
    expect(jsmnParse(text, 9)).toBe(JSMN_ERROR_NOMEM);
    expect(jsmnParse('{"a": x}', 64)).toBe(JSMN_ERROR_INVAL);
    expect(jsmnParse('{"a": 1', 64)).toBe(JSMN_ERROR_PART);
    expect(jsmnParse('{"a": "1', 64)).toBe(JSMN_ERROR_PART);
    expect(jsmnParse('', 64)).toEqual([]);
    const t = jsmnParse('{"clientToken":"abc","code":409}', 64);
    expect(Array.isArray(t) && jsmnValue('{"clientToken":"abc","code":409}', t, 'code')).toBe('409');
  });

  it('matches client tokens only when both documents carry the same one within the token budget', () => {
    expect(clientTokenMatch('{"state":{},"clientToken":"7"}', '{"clientToken":"7","version":3}')).toBe(true);
    expect(clientTokenMatch('{"state":{},"clientToken":"7"}', '{"clientToken":"8"}')).toBe(false);
    expect(clientTokenMatch('{"state":{}}', '{"version":3}')).toBe(false);
    const many = JSON.stringify({
      state: { reported: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])) },
      clientToken: '1',
    });
    expect(clientTokenMatch(many, '{"clientToken":"1"}')).toBe(false);
  });

  it('reads the code of a rejected document, or the jsmn error when it cannot', () => {
    expect(rejectedCode('{"code":409,"message":"Version conflict"}')).toEqual({
      code: 409,
      message: 'Version conflict',
    });
    expect(rejectedCode('{"code":"0x1f7"}').code).toBe(503);
    expect(rejectedCode('{"message":"no code"}').code).toBe(ShadowReturnCode.eShadowJSMNInval);
    expect(rejectedCode('{"code":4').code).toBe(ShadowReturnCode.eShadowJSMNPart);
    expect(rejectedCode('{"code":@}').code).toBe(ShadowReturnCode.eShadowJSMNInval);
    expect(rejectedCode(`[${'1,'.repeat(70)}1]`).code).toBe(ShadowReturnCode.eShadowJSMNNoMem);
    expect([shadowReturnCodeName(409), shadowReturnCodeName(503)]).toEqual([
      'eShadowRejectedConflict',
      undefined,
    ]);
    expect([isShadowRejection(429), isShadowRejection(1), isShadowJsonError(-3)]).toEqual([
      true,
      false,
      true,
    ]);
  });
});

/** A Shadow client on a scripted broker that answers each request with `answer(topic, payload)`. */
async function scriptedClient(answer: (topic: string, payload: string) => Array<[string, string]>) {
  const peer = new ScriptedPeer();
  peer.autoAck = true;
  peer.onPublish = (topic, payload) => {
    for (const [t, body] of answer(topic, payload)) setImmediate(() => peer.push(brokerPublish(t, body, 1)));
  };
  const client = ShadowClient.create(peer.modem);
  expect(await client.connect({ url: 'b', port: 1, clientId: 'dev' }, 1000)).toBe(0);
  return { peer, client };
}

describe('Shadow client return codes', () => {
  it('passes rejection codes through, named or not, and jsmn errors of a rejected document', async () => {
    let body = '';
    const { client } = await scriptedClient((topic) =>
      topic.endsWith('/get') ? [[`${topic}/rejected`, body]] : [],
    );
    const get = async (b: string) => {
      body = b;
      return (await client.get({ thingName: 'dev', qos: 1 }, 1000)).code;
    };
    expect(await get('{"code":429,"message":"Too Many Requests"}')).toBe(429);
    expect(await get('{"code":503}')).toBe(503);
    expect(await get('{"code":4')).toBe(ShadowReturnCode.eShadowJSMNPart);
    expect(await get('{"code":x}')).toBe(ShadowReturnCode.eShadowJSMNInval);
    expect(await get(`{"code":400,"m":[${'0,'.repeat(80)}0]}`)).toBe(ShadowReturnCode.eShadowJSMNNoMem);
  });

  it("an update takes only the answer with its own client token, not another client's", async () => {
    const { client } = await scriptedClient((topic, payload) => {
      if (!topic.endsWith('/update')) return [];
      const token = (JSON.parse(payload) as { clientToken: string }).clientToken;
      return [
        [`${topic}/rejected`, JSON.stringify({ code: 409, clientToken: `other-${token}` })],
        [`${topic}/accepted`, JSON.stringify({ state: {}, version: 2, clientToken: token })],
      ];
    });
    expect(
      await client.update({ thingName: 'dev', data: '{"state":{},"clientToken":"1"}', qos: 1 }, 2000),
    ).toBe(0);
  });

  it('an operation from a callback fails at once; a shared MQTT client is not supported', async () => {
    const inner: Array<Promise<number>> = [];
    const { peer, client } = await scriptedClient(() => []);
    expect(
      await client.registerCallbacks(
        {
          thingName: 'dev',
          delta: () => {
            inner.push(client.update({ thingName: 'dev', data: '{"clientToken":"x"}', qos: 1 }, 1000));
            inner.push(client.registerCallbacks({ thingName: 'dev' }, 1000));
            return false;
          },
        },
        1000,
      ),
    ).toBe(0);
    peer.push(brokerPublish('$aws/things/dev/shadow/update/delta', '{"state":{"powerOn":1}}', 1));
    await peer.settle();
    expect(await Promise.all(inner)).toEqual([
      ShadowReturnCode.eShadowFailure,
      ShadowReturnCode.eShadowFailure,
    ]);
    expect(() => ShadowClient.create(peer.modem, { mqttClientType: 'eSharedMQTTClient' })).toThrow(
      expect.objectContaining({ code: 'NRF91SIM_INVALID_ARGUMENT' }),
    );
  });
});

describe('Shadow client misuse', () => {
  it('throws NRF91SIM_INVALID_ARGUMENT at the call, as the agent does, instead of a rejected promise', async () => {
    const { client } = await scriptedClient(() => []);
    const invalid = expect.objectContaining({ code: 'NRF91SIM_INVALID_ARGUMENT' });
    expect(() => client.get({ thingName: '', qos: 1 }, 1000)).toThrow(invalid);
    expect(() => client.delete({ thingName: 'dev', qos: 2 as 1 }, 1000)).toThrow(invalid);
    expect(() => client.update({ thingName: '', data: '{}', qos: 1 }, 1000)).toThrow(invalid);
    expect(() => client.update({ thingName: 'dev', data: '{}', qos: 1 }, Number.NaN)).toThrow(invalid);
    expect(() => client.get({ thingName: 'dev', qos: 1 }, -1)).toThrow(/timeout/);
    expect(() => client.registerCallbacks({ thingName: 'dev' }, Number.NaN)).toThrow(invalid);
    expect(() => client.registerCallbacks({ thingName: '' }, 1000)).toThrow(invalid);
    expect(() => client.connect({ url: 'b', port: 1, clientId: 'dev' }, Number.NaN)).toThrow(invalid);
    // A good call after them still works.
    expect(await client.update({ thingName: 'dev', data: 'x'.repeat(9000), qos: 1 }, 1000)).toBe(413);
  });
});
