export * from './aws-jobs.js';
