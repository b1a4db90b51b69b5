import { parseJsonSafely } from '../../json/safe-json.js';
import { ErrorCode, SimError } from '../../../core/errors.js';
import { isObject } from '../shadow/json.js';
import { JOBS_LIMITS, type JobRecord, type RetryCriteria, type TargetSelection } from './job-types.js';
import { parseS3Url, placeholderUrls } from './presigned-placeholders.js';

/**
 * CreateJob's input (cloud-services.md §2.7, AWS `PUT /jobs/{jobId}`), checked and normalised: the
 * targets as full ARNs, the document as JSON text, the configurations the stand-in acts on.
 */

export interface JobTarget {
  kind: 'thing' | 'thinggroup';
  name: string;
  arn: string;
}

export type JobDefinition = Pick<
  JobRecord,
  | 'jobId'
  | 'jobArn'
  | 'targets'
  | 'document'
  | 'description'
  | 'targetSelection'
  | 'presignedUrlExpiresInSec'
  | 'inProgressTimeoutInMinutes'
  | 'retryCriteria'
> & { resolvedTargets: JobTarget[] };

const bad = (message: string): SimError => new SimError(ErrorCode.INVALID_ARGUMENT, message);
const badDocument = (message: string): SimError => new SimError(ErrorCode.JOB_DOCUMENT_INVALID, message);

const TARGET = /^(?:arn:aws:iot:([a-z0-9-]+):(\d{12}):)?(thing|thinggroup)\/([a-zA-Z0-9:_-]{1,128})$/;

/** A thing or thing-group ARN (`arn:aws:iot:<region>:<account>:thing/<name>`), or its short form `thing/<name>`. */
export function parseTarget(text: string, region: string, accountId: string): JobTarget {
  const m = TARGET.exec(text);
  if (!m)
    throw bad(
      `target ${JSON.stringify(text)} is not a thing or thing group ARN (arn:aws:iot:${region}:${accountId}:thing/NAME or thinggroup/NAME)`,
    );
  if ((m[1] !== undefined && m[1] !== region) || (m[2] !== undefined && m[2] !== accountId)) {
    throw bad(`target ${text} is not in this stand-in's region ${region} and account ${accountId}`);
  }
  const kind = m[3] as 'thing' | 'thinggroup';
  const name = m[4] ?? '';
  return { kind, name, arn: `arn:aws:iot:${region}:${accountId}:${kind}/${name}` };
}

/** Checks a job document: JSON of at most 32 KB, at most 10 presigned-URL placeholders, each naming an S3 object. */
export function checkDocument(document: unknown): string {
  const text = typeof document === 'string' ? document : JSON.stringify(document);
  if (text === undefined) throw badDocument('the job document is missing');
  if (Buffer.byteLength(text) > JOBS_LIMITS.maxDocumentBytes) {
    throw badDocument(`the job document is ${Buffer.byteLength(text)} bytes; AWS IoT allows at most 32 KB`);
  }
  // Documents are walked recursively when placeholders are signed: depth is bounded first.
  const parsed = parseJsonSafely(text);
  if (!parsed.ok) throw badDocument(`the job document is not valid JSON: ${parsed.message}`);
  const urls = placeholderUrls(text);
  if (urls.length > JOBS_LIMITS.maxPlaceholders) {
    throw badDocument(
      `the job document has ${urls.length} presigned-URL placeholders; at most ${JOBS_LIMITS.maxPlaceholders} are allowed`,
    );
  }
  for (const url of urls) {
    if (!parseS3Url(url)) {
      throw badDocument(
        `\${aws:iot:s3-presigned-url:${url}} does not name an S3 object (https://<bucket>.s3.<region>.amazonaws.com/<key>)`,
      );
    }
  }
  return text;
}

function wholeNumber(value: unknown, what: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw bad(`${what} must be a whole number ${min}-${max}`);
  }
  return value;
}

function retryCriteria(config: unknown): RetryCriteria[] | undefined {
  if (config === undefined || config === null) return undefined;
  const list = isObject(config) ? config.criteriaList : undefined;
  if (!Array.isArray(list) || list.length < 1 || list.length > 2) {
    throw bad('jobExecutionsRetryConfig.criteriaList must list 1-2 criteria');
  }
  return list.map((c) => {
    const failureType = isObject(c) ? c.failureType : undefined;
    if (failureType !== 'FAILED' && failureType !== 'TIMED_OUT' && failureType !== 'ALL') {
      throw bad('a retry criterion needs failureType FAILED, TIMED_OUT or ALL');
    }
    const numberOfRetries =
      wholeNumber(isObject(c) ? c.numberOfRetries : undefined, 'numberOfRetries', 0, 10) ?? 0;
    return { failureType, numberOfRetries };
  });
}

/** Validates a CreateJob body for `jobId`. */
export function parseJobDefinition(
  jobId: string,
  body: unknown,
  region: string,
  accountId: string,
): JobDefinition {
  if (!JOBS_LIMITS.jobId.test(jobId))
    throw bad(`invalid job id ${JSON.stringify(jobId)}: use 1-64 of [a-zA-Z0-9_-]`);
  if (!isObject(body)) throw bad('the request body must be a JSON object with targets and document');
  const targets = body.targets;
  if (
    !Array.isArray(targets) ||
    targets.length < 1 ||
    targets.length > JOBS_LIMITS.maxTargets ||
    !targets.every((t) => typeof t === 'string')
  ) {
    throw bad(`targets must list 1-${JOBS_LIMITS.maxTargets} thing or thing group ARNs`);
  }
  const resolvedTargets = [
    ...new Map(targets.map((t) => parseTarget(t, region, accountId)).map((t) => [t.arn, t])).values(),
  ];
  if (body.documentSource !== undefined)
    throw bad('documentSource is not supported by the stand-in; pass the document itself');
  const document = checkDocument(body.document);
  const description = body.description;
  if (description !== undefined && (typeof description !== 'string' || description.length > 2028)) {
    throw bad('description must be a string of at most 2028 characters');
  }
  const selection = body.targetSelection ?? 'SNAPSHOT';
  if (selection !== 'SNAPSHOT' && selection !== 'CONTINUOUS')
    throw bad('targetSelection must be SNAPSHOT or CONTINUOUS');
  const presigned = isObject(body.presignedUrlConfig) ? body.presignedUrlConfig : {};
  const expires = wholeNumber(
    presigned.expiresInSec,
    'presignedUrlConfig.expiresInSec',
    JOBS_LIMITS.minPresignedExpires,
    JOBS_LIMITS.maxPresignedExpires,
  );
  const timeout = isObject(body.timeoutConfig) ? body.timeoutConfig : {};
  const inProgress = wholeNumber(
    timeout.inProgressTimeoutInMinutes,
    'timeoutConfig.inProgressTimeoutInMinutes',
    1,
    10080,
  );
  const retries = retryCriteria(body.jobExecutionsRetryConfig);
  return {
    jobId,
    jobArn: `arn:aws:iot:${region}:${accountId}:job/${jobId}`,
    targets: resolvedTargets.map((t) => t.arn),
    resolvedTargets,
    document,
    ...(description !== undefined ? { description } : {}),
    targetSelection: selection as TargetSelection,
    presignedUrlExpiresInSec: expires ?? JOBS_LIMITS.maxPresignedExpires,
    ...(inProgress !== undefined ? { inProgressTimeoutInMinutes: inProgress } : {}),
    ...(retries ? { retryCriteria: retries } : {}),
  };
}
