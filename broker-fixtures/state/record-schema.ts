import { X509Certificate } from 'node:crypto';
import { certificateIdOf } from '../pki/x509.js';
import { parsePolicyDocument } from '../policy/policy-document.js';
import { NRF_CLOUD_VALIDATORS } from '../nrf-cloud/records.js';
import { EXECUTION_STATUSES } from '../services/jobs/job-types.js';
import type { RecordValidator } from '../store/file-store.js';
import type { Collection } from '../store/store.js';
import {
  arrayOf,
  bool,
  int,
  isRecord,
  keyed,
  matches,
  num,
  object,
  oneOf,
  optional,
  recordOf,
  str,
  type Check,
} from './shape.js';

/**
 * The shape of every record the stand-in stores (registry/types.ts, shadow-document.ts,
 * jobs/job-types.ts, mqtt/retained.ts), checked when the state is loaded so that a damaged or
 * hand-edited file stops the broker with NRF91SIM_STATE_CORRUPT instead of failing later.
 */

const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const SHADOW_KEY = /^[a-zA-Z0-9:_-]{1,128}(\/[a-zA-Z0-9:_-]{1,64})?$/;
const CERTIFICATE_ID = /^[0-9a-f]{64}$/;

const thingName = matches(THING_NAME, 'a thing name (1-128 of [a-zA-Z0-9:_-])');
const pem: Check = (v, p) => {
  if (typeof v !== 'string') return `${p}: expected a PEM certificate`;
  try {
    new X509Certificate(v);
    return undefined;
  } catch (err) {
    return `${p}: not a PEM certificate (${(err as Error).message})`;
  }
};
const jsonText: Check = (v, p) => {
  if (typeof v !== 'string') return `${p}: expected JSON text`;
  try {
    JSON.parse(v);
    return undefined;
  } catch (err) {
    return `${p}: not valid JSON (${(err as Error).message})`;
  }
};
const policyText: Check = (v, p) => {
  if (typeof v !== 'string') return `${p}: expected a policy document`;
  try {
    parsePolicyDocument(v);
    return undefined;
  } catch (err) {
    return `${p}: ${(err as Error).message}`;
  }
};
const base64: Check = (v, p) =>
  typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? undefined : `${p}: expected base64 text`;
const jsonObject: Check = (v, p) => (isRecord(v) ? undefined : `${p}: expected an object`);
const section = object({ desired: optional(jsonObject), reported: optional(jsonObject) });

const thing = keyed(
  'thingName',
  object({
    thingName,
    attributes: recordOf(str),
    version: int,
    principals: arrayOf(matches(CERTIFICATE_ID, 'a certificate id (64 hex digits)')),
    creationDate: num,
  }),
);

const certificateShape = keyed(
  'certificateId',
  object({
    certificateId: matches(CERTIFICATE_ID, 'a certificate id (64 hex digits)'),
    certificatePem: pem,
    status: oneOf('ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_ACTIVATION'),
    caCertificateId: optional(str),
    policies: arrayOf(str),
    creationDate: num,
    ownershipToken: optional(object({ token: str, expires: num })),
  }),
);

function certificate(key: string, value: unknown): string | undefined {
  const problem = certificateShape(key, value);
  if (problem) return problem;
  const id = certificateIdOf((value as { certificatePem: string }).certificatePem);
  return id === key ? undefined : `certificatePem is the certificate ${id}, not ${key}`;
}

const execution = object({
  jobId: str,
  thingName,
  executionNumber: int,
  status: oneOf(...EXECUTION_STATUSES),
  statusDetails: optional(recordOf(str)),
  queuedAt: num,
  startedAt: optional(num),
  lastUpdatedAt: num,
  versionNumber: int,
  retryAttempt: int,
  stepDeadline: optional(num),
  inProgressDeadline: optional(num),
  forceCanceled: optional(bool),
});

const VALIDATORS: Record<Collection, (key: string, value: unknown) => string | undefined> = {
  things: thing,
  certificates: certificate,
  policies: keyed('policyName', object({ policyName: str, policyDocument: policyText, creationDate: num })),
  cas: keyed(
    'caCertificateId',
    object({
      caCertificateId: str,
      caCertificatePem: pem,
      status: oneOf('ACTIVE', 'INACTIVE'),
      provisioningTemplate: optional(str),
      creationDate: num,
    }),
  ),
  templates: keyed(
    'templateName',
    object({ templateName: str, templateBody: jsonText, enabled: bool, creationDate: num }),
  ),
  shadows: (key, value) =>
    SHADOW_KEY.test(key)
      ? object({ state: section, metadata: section, version: int, timestamp: num })(value, '')
      : 'not a shadow key (thing or thing/shadow name)',
  'shadow-tombstones': (key, value) =>
    SHADOW_KEY.test(key)
      ? object({ version: int, deletedAt: num })(value, '')
      : 'not a shadow key (thing or thing/shadow name)',
  retained: (_key, value) =>
    object({ payload: base64, qos: (v, p) => (v === 0 || v === 1 ? undefined : `${p}: expected 0 or 1`) })(
      value,
      '',
    ),
  'thing-groups': keyed(
    'thingGroupName',
    object({ thingGroupName: str, things: arrayOf(thingName), creationDate: num }),
  ),
  jobs: keyed(
    'jobId',
    object({
      jobId: str,
      jobArn: str,
      targets: arrayOf(str),
      document: jsonText,
      description: optional(str),
      targetSelection: oneOf('SNAPSHOT', 'CONTINUOUS'),
      status: oneOf('IN_PROGRESS', 'CANCELED', 'DELETION_IN_PROGRESS'),
      presignedUrlExpiresInSec: int,
      inProgressTimeoutInMinutes: optional(int),
      retryCriteria: optional(
        arrayOf(object({ failureType: oneOf('FAILED', 'TIMED_OUT', 'ALL'), numberOfRetries: int })),
      ),
      things: arrayOf(thingName),
      forceCanceled: optional(bool),
      comment: optional(str),
      reasonCode: optional(str),
      createdAt: num,
      lastUpdatedAt: num,
    }),
  ),
  'job-executions': (key, value) => {
    const problem = object({ executions: arrayOf(execution) })(value, '');
    if (problem) return problem;
    const other = (value as { executions: Array<{ thingName: string }> }).executions.find(
      (e) => e.thingName !== key,
    );
    return other ? `an execution of thing ${other.thingName} is filed under ${key}` : undefined;
  },
  ...NRF_CLOUD_VALIDATORS,
};

/** The {@link RecordValidator} for the stand-in's collections. */
export const validateRecord: RecordValidator = (collection, key, value) => VALIDATORS[collection](key, value);
