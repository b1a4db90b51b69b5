export { type LteLcConfig, lteLcInitAndConnect } from './lte-lc.js';
