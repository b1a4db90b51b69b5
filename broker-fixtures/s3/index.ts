export { loadOrCreateCredentials, loadOrCreateTls, tlsPaths } from './credentials.js';
export { decideRange, type RangeDecision } from './range.js';
export { S3Server, type S3ServerOptions } from './server.js';
export {
  amzDate,
  checkPresigned,
  type PresignCheck,
  type PresignOptions,
  presignUrl,
  querySignature,
  type S3Credentials,
  uriEncode,
} from './sigv4.js';
export { uploadSigned, type SignedUpload } from './signed-upload.js';
export { type FoundObject, isValidBucketName, type ObjectInfo, ObjectStore } from './store.js';
export { createTlsMaterial, type S3TlsMaterial } from './tls.js';
export { s3ErrorXml, xmlDocument, xmlElements } from './xml.js';
