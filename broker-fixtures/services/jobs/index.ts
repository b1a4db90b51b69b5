export * from './jobs-service.js';
export * from './control-plane.js';
export * from './job-queries.js';
export * from './job-types.js';
export type { JobsErrorCode } from './jobs-errors.js';
export * from './jobs-topics.js';
export { parseS3Url, type Presigner, type S3Location } from './presigned-placeholders.js';
export type { ThrottleOptions } from './request-throttle.js';
