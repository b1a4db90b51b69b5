export * from './aws-fota.js';
