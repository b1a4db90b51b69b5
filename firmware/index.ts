// The public face of firmware/: devices, applications, the boot model, images, the device control protocol.
// The package root re-exports these; code inside the layer and its tests import files directly. A name
// added here is public: list it in docs/api.md too.
export { startAtClient } from './apps/at-client.js';
export type { AppContext, AppStarter, RunningApp } from './app-context.js';
export { AppRegistry, type AppDefinition } from './app-registry.js';
export { builtInApps } from './apps/built-in.js';
export {
  SerialLteModem,
  startSerialLteModem,
  type SerialLteModemOptions,
  type SlmConfig,
  type SlmState,
} from './apps/serial-lte-modem/index.js';
export { type AwsFotaAppConfig, startAwsFotaApp } from './apps/aws-fota-app.js';
export { AWS_IOT_SAMPLE_TOPICS, type AwsIotAppConfig, startAwsIotApp } from './apps/aws-iot-app.js';
export {
  type BootReport,
  type BootState,
  DeviceDfuTarget,
  DeviceFlash,
  type FlashLayout,
  ImageControl,
  NRF9160_FLASH_LAYOUT,
  type UpgradeMode,
} from './boot/index.js';
export {
  type ControlledDevice,
  DeviceControl,
  type PowerCutOptions,
  type PowerCutResult,
} from './device-control.js';
export { controlFile, sendControl, type ControlEndpoint, type ControlRequest } from './control/index.js';
export {
  createDevice,
  Device,
  type DeviceEvents,
  type DeviceFirmwareOptions,
  type DeviceOptions,
  type DevicePower,
} from './device.js';
export {
  type AppImageOptions,
  type AppManifest,
  assertVerified,
  buildAppImage,
  buildImage,
  buildModemDelta,
  compareVersions,
  dfuImageType,
  type DfuImageType,
  formatVersion,
  generateSigningKey,
  type ImageBuildOptions,
  type ImageHeader,
  type ImageProblem,
  type ImageReport,
  type ImageVerification,
  type ImageVersion,
  inspectImage,
  keyHash,
  type KeyInput,
  loadSigningKey,
  loadVerifyKey,
  type McubootImage,
  type ModemDelta,
  type ModemDeltaOptions,
  parseImage,
  parseModemDelta,
  parseVersion,
  readAppImage,
  type SignatureStatus,
  verifyImage,
  type VerifyOptions,
} from './image/index.js';
export { openSerial, parseSerialSpec, type SerialSpec } from './serial.js';
