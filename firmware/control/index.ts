export { sendControl } from './client.js';
export { controlFile, socketPathFor, type ControlEndpoint, type ControlRequest } from './protocol.js';
export { DeviceControlServer, ensureNotRunning } from './server.js';
