import { parseJsonSafely } from '../../json/safe-json.js';
import { isObject, type JsonObject } from '../shadow/json.js';
import { DEVICE_STATUSES, EXECUTION_STATUSES, JOBS_LIMITS, type JobExecutionStatus } from './job-types.js';
import { JobsError } from './jobs-errors.js';

/**
 * Parsing and validation of the device requests (cloud-services.md §2.2, §2.5). Each parser returns
 * the typed request or the JobsError to answer with. Numbers may come as JSON numbers or numeric
 * strings: nRF `aws_fota` sends `"expectedVersion": "1"` (ncs-behaviour.md §5.4, §8 item 4).
 */

export interface JobsRequestBase {
  clientToken?: string;
}

export interface DescribeRequest extends JobsRequestBase {
  executionNumber?: number;
  includeJobDocument: boolean;
}

export interface StartNextRequest extends JobsRequestBase {
  statusDetails?: Record<string, string>;
  stepTimeoutInMinutes?: number;
}

export interface UpdateRequest extends JobsRequestBase {
  status: JobExecutionStatus;
  statusDetails?: Record<string, string>;
  expectedVersion?: number;
  executionNumber?: number;
  includeJobExecutionState: boolean;
  includeJobDocument: boolean;
  /** -1 stops the step timer. */
  stepTimeoutInMinutes?: number;
}

const invalid = (message: string): JobsError => new JobsError('InvalidRequest', message);

/** An empty payload counts as `{}`; anything but a UTF-8 JSON object is InvalidJson. */
function parseBody(payload: Buffer | string): JsonObject | JobsError {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  if (typeof payload !== 'string' && !Buffer.from(text, 'utf8').equals(payload)) {
    return new JobsError('InvalidJson', 'The request payload is not valid UTF-8');
  }
  if (text.trim() === '') return {};
  // Depth is measured before parsing, so no request can take the service down by nesting.
  const parsed = parseJsonSafely(text);
  if (!parsed.ok) {
    return new JobsError(
      'InvalidJson',
      parsed.problem === 'syntax'
        ? 'The request payload could not be parsed as JSON'
        : `The request payload is refused: ${parsed.message}`,
    );
  }
  return isObject(parsed.value)
    ? parsed.value
    : new JobsError('InvalidJson', 'The request payload must be a JSON object');
}

/** The clientToken to echo on any answer, even a rejection, when the payload carried a usable one. */
export function clientTokenOf(payload: Buffer | string): string | undefined {
  const body = parseBody(payload);
  if (body instanceof JobsError) return undefined;
  const token = body.clientToken;
  return typeof token === 'string' && Buffer.byteLength(token) <= JOBS_LIMITS.maxClientTokenBytes
    ? token
    : undefined;
}

function base(body: JsonObject): JobsRequestBase | JobsError {
  const token = body.clientToken;
  if (token === undefined || token === null) return {};
  if (typeof token !== 'string' || Buffer.byteLength(token) > JOBS_LIMITS.maxClientTokenBytes) {
    return invalid(`clientToken must be a string of at most ${JOBS_LIMITS.maxClientTokenBytes} bytes`);
  }
  return { clientToken: token };
}

/** A whole number given as a JSON number or a string of digits (an optional minus for -1). */
function integer(body: JsonObject, name: string): number | undefined | JobsError {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) return invalid(`${name} must be an integer`);
  return n;
}

function flag(body: JsonObject, name: string, fallback: boolean): boolean | JobsError {
  const value = body[name];
  if (value === undefined || value === null) return fallback;
  return typeof value === 'boolean' ? value : invalid(`${name} must be a boolean`);
}

// A value holds no control characters (the API reference's [^\p{C}]+).
const CONTROL = /\p{C}/u;

/** statusDetails: null or absent leaves them unchanged (later `aws_fota` versions send null). */
function statusDetails(body: JsonObject): Record<string, string> | undefined | JobsError {
  const value = body.statusDetails;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return invalid('statusDetails must be an object of string values');
  const entries = Object.entries(value);
  if (entries.length > JOBS_LIMITS.maxStatusDetails) {
    return invalid(
      `statusDetails has ${entries.length} entries; at most ${JOBS_LIMITS.maxStatusDetails} are allowed`,
    );
  }
  const out: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (!JOBS_LIMITS.statusDetailsKey.test(key)) {
      return invalid(`statusDetails key ${JSON.stringify(key)} must be 1-128 characters of [a-zA-Z0-9:_-]`);
    }
    if (typeof v !== 'string') return invalid(`statusDetails.${key} must be a string`);
    if (v.length < 1 || v.length > JOBS_LIMITS.maxStatusDetailsValue || CONTROL.test(v)) {
      return invalid(
        `statusDetails.${key} must be 1-${JOBS_LIMITS.maxStatusDetailsValue} characters without control characters`,
      );
    }
    out[key] = v;
  }
  return out;
}

function stepTimeout(body: JsonObject, allowCancel: boolean): number | undefined | JobsError {
  const n = integer(body, 'stepTimeoutInMinutes');
  if (n === undefined || n instanceof JobsError) return n;
  if (allowCancel && n === -1) return n;
  if (n < JOBS_LIMITS.minStepTimeoutMinutes || n > JOBS_LIMITS.maxStepTimeoutMinutes) {
    return invalid(
      `stepTimeoutInMinutes must be ${JOBS_LIMITS.minStepTimeoutMinutes}-${JOBS_LIMITS.maxStepTimeoutMinutes}${allowCancel ? ' (or -1 to stop the step timer)' : ''}`,
    );
  }
  return n;
}

function executionNumber(body: JsonObject): number | undefined | JobsError {
  const n = integer(body, 'executionNumber');
  if (typeof n === 'number' && n < 1) return invalid('executionNumber must be 1 or more');
  return n;
}

export function parseGetPendingRequest(payload: Buffer | string): JobsRequestBase | JobsError {
  const body = parseBody(payload);
  return body instanceof JobsError ? body : base(body);
}

export function parseDescribeRequest(payload: Buffer | string): DescribeRequest | JobsError {
  const body = parseBody(payload);
  if (body instanceof JobsError) return body;
  const common = base(body);
  if (common instanceof JobsError) return common;
  const number = executionNumber(body);
  if (number instanceof JobsError) return number;
  const includeJobDocument = flag(body, 'includeJobDocument', true);
  if (includeJobDocument instanceof JobsError) return includeJobDocument;
  return { ...common, ...(number !== undefined ? { executionNumber: number } : {}), includeJobDocument };
}

export function parseStartNextRequest(payload: Buffer | string): StartNextRequest | JobsError {
  const body = parseBody(payload);
  if (body instanceof JobsError) return body;
  const common = base(body);
  if (common instanceof JobsError) return common;
  const details = statusDetails(body);
  if (details instanceof JobsError) return details;
  const step = stepTimeout(body, false);
  if (step instanceof JobsError) return step;
  return {
    ...common,
    ...(details !== undefined ? { statusDetails: details } : {}),
    ...(step !== undefined ? { stepTimeoutInMinutes: step } : {}),
  };
}

export function parseUpdateRequest(payload: Buffer | string): UpdateRequest | JobsError {
  const body = parseBody(payload);
  if (body instanceof JobsError) return body;
  const common = base(body);
  if (common instanceof JobsError) return common;
  const status = body.status;
  if (status === undefined || status === null) return invalid('status is required');
  if (typeof status !== 'string' || !(EXECUTION_STATUSES as readonly string[]).includes(status)) {
    return invalid(`status must be one of ${DEVICE_STATUSES.join(', ')}`);
  }
  if (!(DEVICE_STATUSES as readonly string[]).includes(status)) {
    return invalid(`a device cannot set the status ${status}; use one of ${DEVICE_STATUSES.join(', ')}`);
  }
  const details = statusDetails(body);
  if (details instanceof JobsError) return details;
  const expectedVersion = integer(body, 'expectedVersion');
  if (expectedVersion instanceof JobsError) return expectedVersion;
  const number = executionNumber(body);
  if (number instanceof JobsError) return number;
  const includeJobExecutionState = flag(body, 'includeJobExecutionState', false);
  if (includeJobExecutionState instanceof JobsError) return includeJobExecutionState;
  const includeJobDocument = flag(body, 'includeJobDocument', false);
  if (includeJobDocument instanceof JobsError) return includeJobDocument;
  const step = stepTimeout(body, true);
  if (step instanceof JobsError) return step;
  return {
    ...common,
    status: status as JobExecutionStatus,
    ...(details !== undefined ? { statusDetails: details } : {}),
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    ...(number !== undefined ? { executionNumber: number } : {}),
    includeJobExecutionState,
    includeJobDocument,
    ...(step !== undefined ? { stepTimeoutInMinutes: step } : {}),
  };
}
