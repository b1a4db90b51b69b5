export * from './atomic-file.js';
export * from './clock.js';
export * from './errors.js';
export * from './events.js';
export * from './random.js';
export * from './state-machine.js';
export * from './trace.js';
export * from './link.js';
