export { type CredentialBackend, type LoadedCredentials, MemoryCredentialBackend } from './backend.js';
export { credentialSha256, MAX_PASSWORD_LENGTH, validateCredentialContent } from './content.js';
export {
  base64url,
  COSE_ALG_ES256,
  COSE_SIGN1_TAG,
  coseSign1,
  type DecodedCoseSign1,
  fromBase64url,
  NRF_IDENTITY_KEY_ID,
  plainBytes,
  verifyCoseSign1,
} from './cose.js';
export {
  buildCsr,
  DEFAULT_KEY_USAGE,
  EC_P256,
  type GeneratedKey,
  generateP256Key,
  importP256Key,
  keyPairSpkiDer,
  parseKeyUsage,
  parseSubjectAttributes,
} from './csr.js';
export { FileCredentialBackend } from './file-backend.js';
export { deviceIdentityKey, type DeviceIdentityKey } from './identity-key.js';
export {
  createLocalCa,
  type IssuedCredentials,
  issueDeviceCertificate,
  loadOrCreateLocalCa,
  type LocalCa,
} from './local-ca.js';
export {
  type AttestationClaims,
  attestationNonce,
  attestationToken,
  deviceTypeOf,
  keygenPayload,
  type KeygenPayload,
  NrfDeviceType,
  NrfMessageType,
  parseAttestationToken,
  parseKeygenPayload,
  SELF_DESCRIBED_CBOR_TAG,
  uuidBytes,
  uuidString,
} from './nrf-messages.js';
export {
  type CredentialManifestEntry,
  loadCredentialManifest,
  type NrfCloudProvisioning,
  provisionNrfCloud,
} from './provision.js';
export {
  type CredentialFilter,
  CredentialStore,
  type CredentialStoreEvents,
  type CredentialStoreOptions,
} from './store.js';
export {
  compareCredentials,
  CREDENTIAL_TYPE_NAMES,
  CREDENTIAL_TYPES,
  type CredentialInfo,
  type CredentialInput,
  credentialKey,
  type CredentialLimits,
  type CredentialOrigin,
  CredentialType,
  DEFAULT_CREDENTIAL_LIMITS,
  isCredentialType,
  isReadableType,
  isUserSecTag,
  NRF_CLOUD_SEC_TAG,
  SEC_TAG_MAX,
  type StoredCredential,
  WRITABLE_TYPES,
} from './types.js';
