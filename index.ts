export * from './core/index.js';
export * from './modem/index.js';
export * from './firmware/index.js';
