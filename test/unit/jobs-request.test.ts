import { describe, expect, it } from 'vitest';
import {
  checkDocument,
  parseJobDefinition,
  parseTarget,
} from '../../broker-fixtures/services/jobs/job-definition.js';
import { JobsError } from '../../broker-fixtures/services/jobs/jobs-errors.js';
import {
  clientTokenOf,
  parseDescribeRequest,
  parseStartNextRequest,
  parseUpdateRequest,
} from '../../broker-fixtures/services/jobs/jobs-request.js';
import { parseJobsTopic } from '../../broker-fixtures/services/jobs/jobs-topics.js';
import {
  parseS3Url,
  resolvePlaceholders,
} from '../../broker-fixtures/services/jobs/presigned-placeholders.js';
import { isSimError } from '../../core/errors.js';

const code = (v: unknown): string | undefined => (v instanceof JobsError ? v.code : undefined);

describe('jobs request parsing', () => {
  it('accepts the nRF aws_fota update exactly as it sends it (expectedVersion as a quoted string)', () => {
    const r = parseUpdateRequest(
      '{"status":"IN_PROGRESS","statusDetails": {"nextState":"download_firmware"},"expectedVersion": "1","clientToken": ""}',
    );
    expect(r).toEqual({
      status: 'IN_PROGRESS',
      statusDetails: { nextState: 'download_firmware' },
      expectedVersion: 1,
      clientToken: '',
      includeJobDocument: false,
      includeJobExecutionState: false,
    });
    // Later aws_fota versions send statusDetails null: unchanged, not an error.
    expect(
      parseUpdateRequest('{"status":"SUCCEEDED","statusDetails":null,"expectedVersion":3}'),
    ).toMatchObject({
      status: 'SUCCEEDED',
      expectedVersion: 3,
    });
  });

  it('rejects bad payloads with AWS codes', () => {
    expect(code(parseUpdateRequest('{"status":'))).toBe('InvalidJson');
    expect(code(parseUpdateRequest(Buffer.from([0x7b, 0xff, 0x7d])))).toBe('InvalidJson');
    expect(code(parseUpdateRequest('[1,2]'))).toBe('InvalidJson');
    expect(code(parseUpdateRequest('{}'))).toBe('InvalidRequest');
    expect(code(parseUpdateRequest('{"status":"TIMED_OUT"}'))).toBe('InvalidRequest');
    expect(code(parseUpdateRequest('{"status":"DONE"}'))).toBe('InvalidRequest');
    expect(code(parseUpdateRequest('{"status":"IN_PROGRESS","expectedVersion":"one"}'))).toBe(
      'InvalidRequest',
    );
    expect(code(parseUpdateRequest('{"status":"IN_PROGRESS","statusDetails":{"a":1}}'))).toBe(
      'InvalidRequest',
    );
    expect(code(parseUpdateRequest('{"status":"IN_PROGRESS","statusDetails":{"a":""}}'))).toBe(
      'InvalidRequest',
    );
    expect(code(parseUpdateRequest('{"status":"IN_PROGRESS","statusDetails":{"a b":"x"}}'))).toBe(
      'InvalidRequest',
    );
    expect(code(parseUpdateRequest('{"status":"IN_PROGRESS","stepTimeoutInMinutes":10081}'))).toBe(
      'InvalidRequest',
    );
    expect(code(parseUpdateRequest('{"status":"IN_PROGRESS","includeJobDocument":"yes"}'))).toBe(
      'InvalidRequest',
    );
    expect(code(parseStartNextRequest('{"stepTimeoutInMinutes":-1}'))).toBe('InvalidRequest');
    expect(code(parseDescribeRequest('{"executionNumber":0}'))).toBe('InvalidRequest');
    expect(code(parseDescribeRequest(`{"clientToken":"${'x'.repeat(65)}"}`))).toBe('InvalidRequest');
  });

  it('limits statusDetails to 10 pairs, values to 1024 characters', () => {
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'v']));
    expect(
      parseUpdateRequest(JSON.stringify({ status: 'IN_PROGRESS', statusDetails: ten })),
    ).not.toBeInstanceOf(JobsError);
    expect(
      code(
        parseUpdateRequest(JSON.stringify({ status: 'IN_PROGRESS', statusDetails: { ...ten, k10: 'v' } })),
      ),
    ).toBe('InvalidRequest');
    expect(
      parseUpdateRequest(JSON.stringify({ status: 'IN_PROGRESS', statusDetails: { k: 'v'.repeat(1024) } })),
    ).not.toBeInstanceOf(JobsError);
    expect(
      code(
        parseUpdateRequest(JSON.stringify({ status: 'IN_PROGRESS', statusDetails: { k: 'v'.repeat(1025) } })),
      ),
    ).toBe('InvalidRequest');
  });

  it('treats an empty payload as {} and defaults includeJobDocument to true for describe', () => {
    expect(parseDescribeRequest('')).toEqual({ includeJobDocument: true });
    expect(parseDescribeRequest('{"includeJobDocument":false,"executionNumber":"2"}')).toEqual({
      includeJobDocument: false,
      executionNumber: 2,
    });
    expect(clientTokenOf('{"clientToken":"abc","status":7}')).toBe('abc');
    expect(clientTokenOf('not json')).toBeUndefined();
  });

  it('maps topics to operations; response topics are not requests', () => {
    expect(parseJobsTopic('$aws/things/t1/jobs/get')).toEqual({
      kind: 'request',
      thingName: 't1',
      operation: 'get-pending',
    });
    expect(parseJobsTopic('$aws/things/t1/jobs/start-next')).toMatchObject({ operation: 'start-next' });
    expect(parseJobsTopic('$aws/things/t1/jobs/$next/get')).toMatchObject({
      operation: 'describe',
      jobId: '$next',
    });
    expect(parseJobsTopic('$aws/things/t1/jobs/j-1/update')).toMatchObject({
      operation: 'update',
      jobId: 'j-1',
    });
    expect(parseJobsTopic('$aws/things/t1/jobs/j-1/update/accepted')).toEqual({ kind: 'ignored' });
    expect(parseJobsTopic('$aws/things/t1/jobs/notify-next')).toEqual({ kind: 'ignored' });
    expect(parseJobsTopic('$aws/things/t1/jobs/j-1/delete')).toEqual({ kind: 'unknown', thingName: 't1' });
    expect(parseJobsTopic('$aws/things/t1/jobs/a/b/c')).toEqual({ kind: 'unknown', thingName: 't1' });
  });
});

describe('job documents and targets', () => {
  it('parses S3 URLs in every form the placeholders use', () => {
    expect(parseS3Url('https://fw.s3.eu-west-1.amazonaws.com/v1/app.bin')).toEqual({
      bucket: 'fw',
      key: 'v1/app.bin',
      region: 'eu-west-1',
    });
    expect(parseS3Url('https://fw.s3.amazonaws.com/app.bin')).toEqual({ bucket: 'fw', key: 'app.bin' });
    expect(parseS3Url('https://s3.us-east-2.amazonaws.com/fw/a%20b.bin')).toEqual({
      bucket: 'fw',
      key: 'a b.bin',
      region: 'us-east-2',
    });
    expect(parseS3Url('https://s3.amazonaws.com/fw/app.bin')).toEqual({ bucket: 'fw', key: 'app.bin' });
    expect(parseS3Url('https://example.com/fw/app.bin')).toBeUndefined();
    expect(parseS3Url('https://s3.amazonaws.com/fw')).toBeUndefined();
  });

  it('replaces each placeholder inside strings and leaves the rest of the document alone', () => {
    const doc = {
      operation: 'app_fw_update',
      size: 3,
      location: { url: '${aws:iot:s3-presigned-url:https://fw.s3.eu-west-1.amazonaws.com/app.bin}' },
      list: ['pre ${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b2/k} post'],
    };
    const seen: string[] = [];
    const { document, unresolved } = resolvePlaceholders(
      doc,
      (l) => (seen.push(`${l.bucket}/${l.key}`), `https://signed/${l.bucket}/${l.key}`),
    );
    expect(unresolved).toBe(0);
    expect(document).toEqual({
      operation: 'app_fw_update',
      size: 3,
      location: { url: 'https://signed/fw/app.bin' },
      list: ['pre https://signed/b2/k post'],
    });
    expect(seen).toEqual(['fw/app.bin', 'b2/k']);
    expect(resolvePlaceholders(doc, () => undefined).unresolved).toBe(2);
  });

  it('refuses documents that are not JSON, too large, or with unusable placeholders', () => {
    const err = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return isSimError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(err(() => checkDocument('{"a":'))).toBe('NRF91SIM_JOB_DOCUMENT_INVALID');
    expect(err(() => checkDocument({ pad: 'x'.repeat(33 * 1024) }))).toBe('NRF91SIM_JOB_DOCUMENT_INVALID');
    expect(err(() => checkDocument({ u: '${aws:iot:s3-presigned-url:https://example.com/x}' }))).toBe(
      'NRF91SIM_JOB_DOCUMENT_INVALID',
    );
    const eleven = Array.from(
      { length: 11 },
      () => '${aws:iot:s3-presigned-url:https://b.s3.amazonaws.com/k}',
    );
    expect(err(() => checkDocument({ eleven }))).toBe('NRF91SIM_JOB_DOCUMENT_INVALID');
    expect(err(() => checkDocument({ ok: true }))).toBeUndefined();
    expect(err(() => parseTarget('thing/a b', 'eu-west-1', '123456789012'))).toBe(
      'NRF91SIM_INVALID_ARGUMENT',
    );
    expect(
      err(() => parseTarget('arn:aws:iot:us-east-1:123456789012:thing/a', 'eu-west-1', '123456789012')),
    ).toBe('NRF91SIM_INVALID_ARGUMENT');
    expect(
      err(() =>
        parseJobDefinition('bad id!', { targets: ['thing/a'], document: {} }, 'eu-west-1', '123456789012'),
      ),
    ).toBe('NRF91SIM_INVALID_ARGUMENT');
    expect(parseTarget('thinggroup/g1', 'eu-west-1', '123456789012').arn).toBe(
      'arn:aws:iot:eu-west-1:123456789012:thinggroup/g1',
    );
  });
});
