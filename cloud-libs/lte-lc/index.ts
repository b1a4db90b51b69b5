export { lteLcInitAndConnect } from './lte-lc.js';
