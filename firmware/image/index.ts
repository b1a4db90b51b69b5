export { type AppImageOptions, buildAppImage, readAppImage } from './app-image.js';
export { buildImage, type ImageBuildOptions } from './build.js';
export {
  flagNames,
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  IMAGE_MAGIC_V1,
  ImageFlag,
  MODEM_DELTA_MAGIC,
  MODEM_DELTA_MAGIC_OFFSET,
  NCS_HEADER_SIZE,
  TLV_HEADER_SIZE,
  TLV_INFO_MAGIC,
  TLV_INFO_SIZE,
  TLV_PROT_INFO_MAGIC,
  tlvName,
  TlvType,
} from './format.js';
export { decodeHeader, encodeHeader, type ImageHeader } from './header.js';
export { dfuImageType, type DfuImageType } from './image-type.js';
export { type ImageReport, inspectImage } from './inspect.js';
export {
  generateSigningKey,
  keyHash,
  type KeyInput,
  loadSigningKey,
  loadVerifyKey,
  publicKeyDer,
} from './keys.js';
export {
  APP_BODY_MAGIC,
  type AppManifest,
  decodeAppBody,
  encodeAppBody,
  isAppBody,
  KNOWN_APPS,
  MAX_BANNER_LINE,
  MAX_BANNER_LINES,
  validateManifest,
} from './manifest.js';
export { buildModemDelta, type ModemDelta, type ModemDeltaOptions, parseModemDelta } from './modem-delta.js';
export { type McubootImage, parseImage } from './parse.js';
export { encodeTlvArea, type Tlv } from './tlv.js';
export {
  assertVerified,
  type ImageProblem,
  type ImageVerification,
  type SignatureStatus,
  verifyImage,
  type VerifyOptions,
} from './verify.js';
export { compareVersions, formatVersion, type ImageVersion, parseVersion } from './version.js';
