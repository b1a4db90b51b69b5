import { DEFAULT_DATAMODE_TIMING, type DataModeTiming } from './data-mode.js';

/** What an SLM image is built with (its prj.conf options the simulator models). */
export interface SlmConfig extends DataModeTiming {
  /** CONFIG_SLM_CUSTOMER_VERSION: reported by `#XSLMVER` after the baseline versions when set. */
  customerVersion: string;
}

export const DEFAULT_SLM_CONFIG: SlmConfig = { ...DEFAULT_DATAMODE_TIMING, customerVersion: '' };

/** The SLM's settings from an image manifest's `config`; anything missing or malformed keeps its default. */
export function readSlmConfig(config: Record<string, unknown>): SlmConfig {
  const ms = (key: 'datamodeSilenceMs' | 'datamodeTimeLimitMs'): number => {
    const v = config[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : DEFAULT_SLM_CONFIG[key];
  };
  const customer = config.customerVersion;
  return {
    datamodeSilenceMs: ms('datamodeSilenceMs'),
    datamodeTimeLimitMs: ms('datamodeTimeLimitMs'),
    customerVersion: typeof customer === 'string' ? customer : DEFAULT_SLM_CONFIG.customerVersion,
  };
}
