export * from './mqtt-transport.js';
