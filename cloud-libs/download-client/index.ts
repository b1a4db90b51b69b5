export * from './download-client.js';
export * from './http.js';
export * from './url.js';
