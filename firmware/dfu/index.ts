export * from './device-dfu-target.js';
