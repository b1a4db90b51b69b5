export { JobsService, type JobsServiceOptions } from './jobs-service.js';
export { type CancelOptions, JobsControlPlane } from './control-plane.js';
export { JobQueries, jobStatusOf } from './job-queries.js';
export {
  DEVICE_STATUSES,
  EXECUTION_STATUSES,
  isTerminal,
  type JobExecutionRecord,
  type JobExecutionStatus,
  type JobRecord,
  JOBS_LIMITS,
  type JobStatus,
  type RetryCriteria,
  type TargetSelection,
  type ThingJobs,
} from './job-types.js';
export type { JobsErrorCode } from './jobs-errors.js';
export {
  JOBS_REQUEST_FILTER,
  type JobsOperation,
  jobsPrefix,
  type JobsTopic,
  parseJobsTopic,
} from './jobs-topics.js';
export { parseS3Url, type Presigner, type S3Location } from './presigned-placeholders.js';
export type { ThrottleOptions } from './request-throttle.js';
