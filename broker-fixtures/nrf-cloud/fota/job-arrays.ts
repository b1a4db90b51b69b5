import {
  EXECUTION_STATUSES,
  FIRMWARE_TYPE_NUMBER,
  type ExecutionStatus,
  type NrfCloudJob,
} from '../types.js';

/**
 * The FOTA job arrays of nRF Cloud's MQTT FOTA (nrf-cloud-now.md §6, sdk-nrf `nrf_cloud_fota.c`):
 * a job on `jobs/rcv` is `["<jobId>",<fwType>,<fileSize>,"<host>","<path>"]`; a device's update on
 * `jobs/update` is `["<jobId>",<status>,<progress>]` while DOWNLOADING, else
 * `["<jobId>",<status>,"<error text or empty>"]`; a request on `jobs/req` is `[""]` (the current
 * job) or `["<jobId>"]` (that one again).
 */

/** Status numbers; index = number. nRF Cloud's REST spells 5 CANCELLED, the device CANCELED. */
export const STATUS_BY_NUMBER: readonly ExecutionStatus[] = EXECUTION_STATUSES;

/** `host` replaces the job's stored one (the download server's port may change between runs). */
export function encodeJob(job: NrfCloudJob, host = job.firmware.host): string {
  const f = job.firmware;
  return JSON.stringify([job.jobId, FIRMWARE_TYPE_NUMBER[f.type], f.size, host, f.path]);
}

export type JobRequest =
  { kind: 'current' } | { kind: 'job'; jobId: string } | { kind: 'invalid'; reason: string };

export function decodeJobRequest(payload: Buffer | string): JobRequest {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (!Array.isArray(value) || value.length < 1 || typeof value[0] !== 'string')
    return { kind: 'invalid', reason: 'not an array starting with a job id' };
  return value[0] === '' ? { kind: 'current' } : { kind: 'job', jobId: value[0] };
}

export type JobUpdate =
  | { kind: 'update'; jobId: string; status: ExecutionStatus; progress?: number; detail?: string }
  | { kind: 'invalid'; reason: string };

export function decodeJobUpdate(payload: Buffer | string): JobUpdate {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (!Array.isArray(value) || value.length < 2 || value.length > 3)
    return { kind: 'invalid', reason: 'not a [jobId, status, detail] array' };
  const [jobId, status, detail] = value as unknown[];
  if (typeof jobId !== 'string' || jobId === '' || jobId.length > 64)
    return { kind: 'invalid', reason: 'the job id is not a string' };
  if (typeof status !== 'number' || !Number.isInteger(status) || !STATUS_BY_NUMBER[status])
    return { kind: 'invalid', reason: `unknown status ${JSON.stringify(status)}` };
  const name = STATUS_BY_NUMBER[status]!;
  if (name === 'DOWNLOADING') {
    if (
      detail !== undefined &&
      (typeof detail !== 'number' || !Number.isInteger(detail) || detail < 0 || detail > 100)
    )
      return { kind: 'invalid', reason: 'progress must be a whole number 0-100' };
    return {
      kind: 'update',
      jobId,
      status: name,
      ...(typeof detail === 'number' ? { progress: detail } : {}),
    };
  }
  if (detail !== undefined && typeof detail !== 'string')
    return { kind: 'invalid', reason: 'the detail must be a string' };
  return { kind: 'update', jobId, status: name, ...(detail ? { detail } : {}) };
}
