export * from './fota-download.js';
