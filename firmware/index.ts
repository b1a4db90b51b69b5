export * from './apps/at-client.js';
export * from './device.js';
export * from './serial.js';
