export * from './aws-iot.js';
