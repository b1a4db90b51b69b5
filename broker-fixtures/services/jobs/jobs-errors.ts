import type { JsonObject } from '../shadow/json.js';
import type { JobExecutionRecord } from './job-types.js';
import { executionStateView } from './execution-views.js';

/** cloud-services.md §2.6: the `code` strings of a Jobs ErrorResponse. */
export type JobsErrorCode =
  | 'InvalidTopic'
  | 'InvalidJson'
  | 'InvalidRequest'
  | 'InvalidStateTransition'
  | 'ResourceNotFound'
  | 'VersionMismatch'
  | 'InternalError'
  | 'RequestThrottled'
  | 'TerminalStateReached';

/** A rejected device request; `executionState` only for InvalidStateTransition and VersionMismatch. */
export class JobsError {
  constructor(
    readonly code: JobsErrorCode,
    readonly message: string,
    readonly execution?: JobExecutionRecord,
  ) {}
}

/** The `…/rejected` body: `{code, message, clientToken?, timestamp, executionState?}`. */
export function errorResponse(
  error: JobsError,
  timestamp: number,
  clientToken: string | undefined,
): JsonObject {
  return {
    code: error.code,
    message: error.message,
    ...(clientToken !== undefined ? { clientToken } : {}),
    timestamp,
    ...(error.execution ? { executionState: executionStateView(error.execution) } : {}),
  };
}
