export {
  SerialLteModem,
  startSerialLteModem,
  type SerialLteModemOptions,
  type SlmState,
} from './serial-lte-modem.js';
export { DEFAULT_SLM_CONFIG, readSlmConfig, type SlmConfig } from './slm-config.js';
