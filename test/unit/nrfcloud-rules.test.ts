import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  allowedSubscriptions,
  associationTransition,
  decodeJobRequest,
  decodeJobUpdate,
  desiredForAssociation,
  encodeJob,
  evaluateTransform,
  makeBundle,
  readBundle,
  TransformError,
  type JsonValue,
  type NrfCloudJob,
} from '../../broker-fixtures/index.js';
import { classifyPublish } from '../../broker-fixtures/nrf-cloud/topics.js';
import { parseCsv } from '../../broker-fixtures/nrf-cloud/rest/csv.js';

const P = 'prod/0f3a/';
const ID = 'nrf-352656100000099';

describe('nRF Cloud topic rules', () => {
  it('lets a device subscribe to its own shadow, data and FOTA topics of every generation, and nothing else', () => {
    const allowed = allowedSubscriptions(P, ID);
    for (const t of [
      `${ID}/shadow/get/accepted/tf`,
      `${ID}/shadow/get/rejected`,
      `${ID}/shadow/update/delta/trim`,
      `${ID}/shadow/update/delta/trim/err`,
      `${ID}/shadow/get/accepted`,
      `${ID}/shadow/get/accepted/trim`,
      `${ID}/shadow/update/delta/full`,
      `$aws/things/${ID}/shadow/update/delta`,
      `$aws/things/${ID}/shadow/get/accepted`,
      `${P}m/d/${ID}/+/r`,
      `${P}m/d/${ID}/c2d`,
      `${P}m/d/${ID}/agnss/r`,
      `${P}${ID}/jobs/rcv`,
    ])
      expect(allowed.has(t), t).toBe(true);
    for (const t of [
      '#',
      `${P}m/#`,
      `${P}m/d/+/d2c`,
      `${P}m/d/nrf-other/+/r`,
      `$aws/things/${ID}/shadow/#`,
      `$aws/things/nrf-other/shadow/update/delta`,
      `${ID}/shadow/update`,
      `${P}${ID}/jobs/req`,
      `prod/other/m/d/${ID}/+/r`,
    ])
      expect(allowed.has(t), t).toBe(false);
  });

  it('classifies what a device may publish and refuses the rest', () => {
    expect(classifyPublish(`${ID}/shadow/get/tf`, P, ID)).toBe('shadow-get-tf');
    expect(classifyPublish(`${ID}/shadow/update`, P, ID)).toBe('shadow-update');
    expect(classifyPublish(`$aws/things/${ID}/shadow/update`, P, ID)).toBe('aws-shadow-update');
    expect(classifyPublish(`$aws/things/${ID}/shadow/get`, P, ID)).toBe('aws-shadow-get');
    expect(classifyPublish(`${P}m/d/${ID}/d2c`, P, ID)).toBe('d2c');
    expect(classifyPublish(`${P}m/d/${ID}/d2c/bulk`, P, ID)).toBe('d2c-bulk');
    expect(classifyPublish(`${P}m/d/${ID}/d2c/bin`, P, ID)).toBe('d2c-bin');
    expect(classifyPublish(`${P}m/d/${ID}/ground_fix`, P, ID)).toBe('service-request');
    expect(classifyPublish(`${P}${ID}/jobs/req`, P, ID)).toBe('jobs-req');
    expect(classifyPublish(`${P}${ID}/jobs/update`, P, ID)).toBe('jobs-update');
    for (const t of [
      `${P}m/d/nrf-other/d2c`,
      `${P}${ID}/jobs/rcv`,
      `${ID}/shadow/get/accepted/tf`,
      'a/b',
      `${P}m/d/${ID}/c2d`,
    ])
      expect(classifyPublish(t, P, ID), t).toBeUndefined();
  });
});

describe('association state machine', () => {
  it('pairs on associate, returns on disassociate, and reports repeats as no change', () => {
    expect(associationTransition('not_associated', 'associate')).toEqual({ state: 'paired', changed: true });
    expect(associationTransition('paired', 'associate')).toEqual({ state: 'paired', changed: false });
    expect(associationTransition('paired', 'disassociate')).toEqual({
      state: 'not_associated',
      changed: true,
    });
    expect(associationTransition('not_associated', 'disassociate')).toEqual({
      state: 'not_associated',
      changed: false,
    });
    expect(() => associationTransition('paired', 'explode' as never)).toThrow(/unknown association event/);
  });

  it('writes the desired pairing nRF Cloud writes: prefix and legacy c2d topic when paired, cleared otherwise', () => {
    expect(desiredForAssociation('paired', P, ID)).toEqual({
      nrfcloud_mqtt_topic_prefix: P,
      pairing: { state: 'paired', topics: { d2c: `${P}m/d/${ID}/d2c`, c2d: `${P}m/d/${ID}/c2d` } },
    });
    expect(desiredForAssociation('not_associated', P, ID)).toEqual({
      nrfcloud_mqtt_topic_prefix: null,
      pairing: { state: 'not_associated', topics: null },
    });
  });
});

describe('JSONata subset of shadow transforms', () => {
  const shadow: JsonValue = {
    state: {
      desired: {
        nrfcloud_mqtt_topic_prefix: P,
        pairing: { state: 'paired', topics: { d2c: 'x' } },
        config: { a: 1 },
      },
      reported: { list: [{ v: 1 }, { v: 2 }, { w: 3 }] },
    },
    version: 4,
  };

  it('evaluates the request NCS sends', () => {
    expect(
      evaluateTransform(
        '{ "nrfcloud_mqtt_topic_prefix": state.desired.nrfcloud_mqtt_topic_prefix, "pairing": state.desired.pairing }',
        shadow,
      ),
    ).toEqual({ nrfcloud_mqtt_topic_prefix: P, pairing: { state: 'paired', topics: { d2c: 'x' } } });
  });

  it('leaves undefined keys out, maps paths over arrays, and takes literals, arrays, `$` and quoted names', () => {
    expect(evaluateTransform('{ "p": state.desired.nope, "c": state.desired.config }', shadow)).toEqual({
      c: { a: 1 },
    });
    expect(evaluateTransform('state.reported.list.v', shadow)).toEqual([1, 2]);
    expect(evaluateTransform("[1, 'two', true, null, $.version, `state`.desired.config.a]", shadow)).toEqual([
      1,
      'two',
      true,
      null,
      4,
      1,
    ]);
    expect(evaluateTransform('state.desired.none', shadow)).toBeUndefined();
    expect(evaluateTransform('( { "v": $$.version } )', shadow)).toEqual({ v: 4 });
  });

  it('refuses what it does not support with a TransformError, and bounds the work', () => {
    for (const bad of [
      'state.desired +',
      '$count(state)',
      '{ "a": }',
      'state.',
      '"open',
      '{ 1: 2 }',
      `${'['.repeat(40)}1${']'.repeat(40)}`,
      'x'.repeat(5000),
    ])
      expect(() => evaluateTransform(bad, shadow), bad).toThrow(TransformError);
  });
});

describe('FOTA job arrays', () => {
  const job: NrfCloudJob = {
    jobId: 'abcd1234',
    bundleId: 'APP*1*1.0.0',
    firmware: {
      type: 'APP',
      size: 1234,
      version: '1.0.0',
      host: 'firmware.nrfcloud.com:8446',
      path: 'v1/firmwares/appfw.bin',
    },
    deviceIds: [ID],
    status: 'IN_PROGRESS',
    createdAt: 0,
    lastUpdatedAt: 0,
  };

  it('encodes a job as ["<jobId>",<fwType>,<fileSize>,"<host>","<path>"] with the numeric type', () => {
    expect(JSON.parse(encodeJob(job))).toEqual([
      'abcd1234',
      0,
      1234,
      'firmware.nrfcloud.com:8446',
      'v1/firmwares/appfw.bin',
    ]);
    expect(JSON.parse(encodeJob({ ...job, firmware: { ...job.firmware, type: 'MODEM' } }))[1]).toBe(1);
    expect(JSON.parse(encodeJob({ ...job, firmware: { ...job.firmware, type: 'BOOT' } }))[1]).toBe(2);
    expect(JSON.parse(encodeJob({ ...job, firmware: { ...job.firmware, type: 'MDM_FULL' } }))[1]).toBe(5);
  });

  it('decodes requests and updates with the status numbers, progress while DOWNLOADING and error texts otherwise', () => {
    expect(decodeJobRequest('[""]')).toEqual({ kind: 'current' });
    expect(decodeJobRequest('["abcd"]')).toEqual({ kind: 'job', jobId: 'abcd' });
    expect(decodeJobRequest('{}').kind).toBe('invalid');
    expect(decodeJobUpdate('["j",7,40]')).toEqual({
      kind: 'update',
      jobId: 'j',
      status: 'DOWNLOADING',
      progress: 40,
    });
    expect(decodeJobUpdate('["j",1,""]')).toEqual({ kind: 'update', jobId: 'j', status: 'IN_PROGRESS' });
    expect(decodeJobUpdate('["j",2,"Error during download"]')).toEqual({
      kind: 'update',
      jobId: 'j',
      status: 'FAILED',
      detail: 'Error during download',
    });
    expect(decodeJobUpdate('["j",5,""]')).toMatchObject({ status: 'CANCELLED' });
    expect(decodeJobUpdate('["j",6,"Job info is invalid"]')).toMatchObject({ status: 'REJECTED' });
    for (const bad of ['["j",8,""]', '["j",7,101]', '["j",7,"x"]', '["",3,""]', '["j"]', 'nope', '["j",3,5]'])
      expect(decodeJobUpdate(bad).kind, bad).toBe('invalid');
  });
});

describe('firmware bundle ZIPs', () => {
  it('reads what it writes, and the NCS dfu_application.zip manifest form', () => {
    const image = Buffer.from('image bytes');
    expect(readBundle(makeBundle({ image, version: '1.2.3', name: 'app' }))).toEqual({
      name: 'app',
      version: '1.2.3',
      type: 'APP',
      file: 'app_update.bin',
      image,
    });
    const ncs = Buffer.from(
      zipSync({
        'manifest.json': strToU8(
          JSON.stringify({
            name: 'dfu',
            'format-version': 0,
            files: [{ type: 'application', file: 'app_update.bin', version_MCUBOOT: '0.0.1+0' }],
          }),
        ),
        'app_update.bin': new Uint8Array(image),
      }),
    );
    expect(readBundle(ncs)).toMatchObject({ type: 'APP', version: '0.0.1+0', image });
    expect(readBundle(makeBundle({ image, version: 'mfw-d', type: 'MODEM' }))).toMatchObject({
      type: 'MODEM',
      file: 'firmware.bin',
    });
  });

  it('refuses a body that is not a bundle, with the reason', () => {
    const zip = (files: Record<string, string>): Buffer =>
      Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)]))));
    expect(() => readBundle(Buffer.from('hello'))).toThrow(/not a ZIP/);
    expect(() => readBundle(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40)]))).toThrow(
      /cannot be read/,
    );
    expect(() => readBundle(zip({ 'a.bin': 'x' }))).toThrow(/no manifest.json/);
    expect(() => readBundle(zip({ 'manifest.json': '{' }))).toThrow(/not JSON/);
    expect(() =>
      readBundle(
        zip({ 'manifest.json': '{"fwversion":"1","files":[{"file":"a.bin","type":"application"}]}' }),
      ),
    ).toThrow(/not in the ZIP/);
    expect(() =>
      readBundle(
        zip({ 'manifest.json': '{"fwversion":"1","files":[{"file":"a.bin","type":"weird"}]}', 'a.bin': 'x' }),
      ),
    ).toThrow(/unknown firmware type/);
    expect(() =>
      readBundle(zip({ 'manifest.json': '{"files":[{"file":"a.bin","type":"application"}]}', 'a.bin': 'x' })),
    ).toThrow(/no version/);
    expect(() =>
      readBundle(
        zip({ 'manifest.json': '{"fwversion":"1","files":[{"file":"..","type":"application"}]}', '..': 'x' }),
      ),
    ).toThrow(/not a usable file name/);
  });
});

describe('bulk provisioning CSV', () => {
  it('reads quoted fields with commas, newlines and doubled quotes', () => {
    expect(parseCsv('nrf-1,,a:b,APP|MODEM,"-----BEGIN\nX,Y\n""q""-----"\r\nnrf-2,x,,,\n')).toEqual([
      ['nrf-1', '', 'a:b', 'APP|MODEM', '-----BEGIN\nX,Y\n"q"-----'],
      ['nrf-2', 'x', '', '', ''],
    ]);
    expect(() => parseCsv('a,"b')).toThrow(/not closed/);
  });
});
