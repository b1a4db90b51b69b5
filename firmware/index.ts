export * from './apps/at-client.js';
export * from './apps/aws-fota-app.js';
export * from './apps/aws-iot-app.js';
export * from './boot/index.js';
export * from './device-control.js';
export * from './device.js';
export * from './image/index.js';
export * from './serial.js';
