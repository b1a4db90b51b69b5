export { sendControl } from './client.js';
export { controlFile, socketPathFor, type ControlEndpoint, type ControlRequest } from './protocol.js';
export { applyControlRequest, DeviceControlServer, ensureNotRunning } from './server.js';
