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
export { NCS_BOOT_BANNER, NCS_VERSION, bootBanner } from './boot-banner.js';
export * from './apps/aws-fota-app.js';
export * from './apps/aws-iot-app.js';
export * from './boot/index.js';
export * from './device-control.js';
export {
  DeviceControlServer,
  controlFile,
  ensureNotRunning,
  sendControl,
  type ControlEndpoint,
  type ControlRequest,
} from './control/index.js';
export * from './device.js';
export * from './image/index.js';
export * from './serial.js';
