export * from './credentials.js';
export * from './range.js';
export * from './server.js';
export * from './sigv4.js';
export { uploadSigned, type SignedUpload } from './signed-upload.js';
export * from './store.js';
export * from './tls.js';
export * from './xml.js';
