export * from './core/index.js';
export * from './modem/index.js';
export * from './cloud-libs/common/index.js';
export * from './cloud-libs/dfu-target/index.js';
export * from './cloud-libs/download-client/index.js';
export * from './cloud-libs/fota-download/index.js';
export * from './firmware/index.js';
export * from './broker-fixtures/index.js';
