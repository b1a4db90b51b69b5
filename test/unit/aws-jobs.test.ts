import { describe, expect, it } from 'vitest';
import { parseJobExecution } from '../../cloud-libs/aws-fota/index.js';
import {
  TOPIC_GET,
  TOPIC_NOTIFY_NEXT,
  TOPIC_UPDATE,
  awsJobsCmp,
  awsJobsTopic,
  awsJobsUpdatePayload,
} from '../../cloud-libs/aws-jobs/index.js';

describe('aws_jobs topics and payloads', () => {
  it('builds topics with /# on subscriptions only, and no job id segment when there is none', () => {
    expect(awsJobsTopic('dev', '', TOPIC_NOTIFY_NEXT, true)).toBe('$aws/things/dev/jobs/notify-next');
    expect(awsJobsTopic('dev', '$next', TOPIC_GET, true)).toBe('$aws/things/dev/jobs/$next/get/#');
    expect(awsJobsTopic('dev', '$next', TOPIC_GET, false)).toBe('$aws/things/dev/jobs/$next/get');
    expect(awsJobsTopic('dev', 'j1', TOPIC_UPDATE, true)).toBe('$aws/things/dev/jobs/j1/update/#');
  });

  it('compares a received topic with a subscription and its suffix as aws_jobs_cmp does', () => {
    const sub = '$aws/things/dev/jobs/j1/update/#';
    expect(awsJobsCmp(sub, '$aws/things/dev/jobs/j1/update/accepted', 'accepted')).toBe(true);
    expect(awsJobsCmp(sub, '$aws/things/dev/jobs/j1/update/rejected', 'accepted')).toBe(false);
    expect(awsJobsCmp(sub, '$aws/things/dev/jobs/j2/update/accepted', 'accepted')).toBe(false);
    expect(awsJobsCmp('', '$aws/things/dev/jobs/j1/update/accepted', '')).toBe(false);
  });

  it('formats the update request with spaces and a quoted expectedVersion', () => {
    expect(awsJobsUpdatePayload('IN_PROGRESS', '{"nextState":"download_firmware"}', 1)).toBe(
      '{"status":"IN_PROGRESS","statusDetails": {"nextState":"download_firmware"},"expectedVersion": "1","clientToken": ""}',
    );
  });
});

describe('aws_fota job documents', () => {
  const execution = (document: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      timestamp: 1,
      execution: { jobId: 'j1', versionNumber: 3, jobDocument: document, ...extra },
    });

  it('takes host and path, dropping a leading slash of the path', () => {
    expect(
      parseJobExecution(execution({ location: { host: 'b.s3.amazonaws.com', path: '/fw/a.bin' } })),
    ).toEqual({
      jobId: 'j1',
      host: 'b.s3.amazonaws.com',
      path: 'fw/a.bin',
      versionNumber: 3,
    });
  });

  it('splits a location url into scheme and authority, and the path with its query', () => {
    expect(
      parseJobExecution(
        execution({ location: { url: 'https://b.s3.amazonaws.com/fw/a.bin?X-Amz-Expires=60' } }),
      ),
    ).toMatchObject({
      host: 'https://b.s3.amazonaws.com',
      path: 'fw/a.bin?X-Amz-Expires=60',
    });
  });

  it('tells "no job" from a document it cannot use', () => {
    expect(parseJobExecution('{"timestamp":1}')).toBe('no-job');
    expect(parseJobExecution('{"clientToken":"","timestamp":1}')).toBe('no-job');
    expect(parseJobExecution('not json')).toBeUndefined();
    expect(parseJobExecution(execution({ operation: 'x' }))).toBeUndefined();
    expect(
      parseJobExecution(execution({ location: { host: 'h', path: 'p' } }, { versionNumber: '3' })),
    ).toBeUndefined();
    expect(
      parseJobExecution(execution({ location: { host: 'h', path: 'p' } }, { jobId: 'x'.repeat(65) })),
    ).toBeUndefined();
  });
});
