export * from './dfu-target.js';
