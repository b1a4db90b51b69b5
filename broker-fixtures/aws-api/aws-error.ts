import { ErrorCode, isSimError } from '../../core/errors.js';

/**
 * An error as AWS's REST-JSON services send it: an HTTP status, the `x-amzn-ErrorType` header and a
 * `{"message": …}` body. The SDKs (v3 and botocore) read the type from that header first and raise
 * the exception class of that name (`ResourceNotFoundException`, `VersionConflictException`, …).
 */
export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

/** What a stand-in error code becomes on the AWS wire, unless the operation says otherwise. */
const DEFAULTS: Partial<Record<ErrorCode, [number, string]>> = {
  [ErrorCode.NOT_FOUND]: [404, 'ResourceNotFoundException'],
  [ErrorCode.ALREADY_EXISTS]: [409, 'ResourceAlreadyExistsException'],
  [ErrorCode.INVALID_ARGUMENT]: [400, 'InvalidRequestException'],
  [ErrorCode.JOB_DOCUMENT_INVALID]: [400, 'InvalidRequestException'],
  [ErrorCode.POLICY_INVALID]: [400, 'MalformedPolicyException'],
  [ErrorCode.CERTIFICATE_INVALID]: [400, 'CertificateValidationException'],
  [ErrorCode.INVALID_STATE]: [409, 'ConflictException'],
};

/** Per operation: the AWS exception its INVALID_STATE refusals are (DeleteConflict, VersionConflict…). */
export type ConflictType =
  | 'ConflictException'
  | 'DeleteConflictException'
  | 'VersionConflictException'
  | 'InvalidStateTransitionException'
  | 'CertificateStateException';

const CONFLICT_STATUS: Record<ConflictType, number> = {
  ConflictException: 409,
  DeleteConflictException: 409,
  VersionConflictException: 409,
  InvalidStateTransitionException: 409,
  CertificateStateException: 406,
};

export function toAwsError(err: unknown, conflict?: ConflictType): AwsError {
  if (err instanceof AwsError) return err;
  if (isSimError(err)) {
    if (err.code === ErrorCode.INVALID_STATE && conflict)
      return new AwsError(CONFLICT_STATUS[conflict], conflict, err.message);
    const known = DEFAULTS[err.code];
    if (known) return new AwsError(known[0], known[1], err.message);
  }
  return new AwsError(500, 'InternalFailureException', (err as Error)?.message ?? String(err));
}

export const invalidRequest = (message: string): AwsError =>
  new AwsError(400, 'InvalidRequestException', message);

export const notFound = (message: string): AwsError =>
  new AwsError(404, 'ResourceNotFoundException', message);
