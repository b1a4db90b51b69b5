import type { AtCommand } from '../command.js';

/** Longest extended periodic TAU (GPRS Timer 3: 31 × 320 h), ms, as NCS lte_lc bounds it. */
const T3412_MAX_MS = 35_712_000_000;

/**
 * `%XT3412=<0|1>[,<time>,<threshold>]`: periodic TAU pre-warnings. With 1, a modem that goes to sleep
 * until a TAU at least `<threshold>` ms away reports `%XT3412: <remaining ms>`, and again
 * `%XT3412: <time>` that long before the TAU (NCS lte_lc's LTE_LC_EVT_TAU_PRE_WARNING).
 */
export const xt3412: AtCommand = {
  name: '%XT3412',
  ref: 'nRF91 AT ref %XT3412; NCS lib/lte_link_control/modules/xt3412.c',
  set: ({ modem, params }) => {
    const on = params.oneOf(0, [0, 1]);
    if (on === 0) {
      params.count(1, 3);
      modem.subscriptions.xt3412 = 0;
      modem.network.config.tauPreWarning = undefined;
      return;
    }
    params.count(3);
    const timeMs = params.int(1, { min: 500, max: 3_600_000 });
    const thresholdMs = params.int(2, { min: 0, max: T3412_MAX_MS });
    modem.subscriptions.xt3412 = 1;
    modem.network.config.tauPreWarning = { timeMs, thresholdMs };
  },
};
