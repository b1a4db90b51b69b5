import type { AtCommand } from '../command.js';

/**
 * `%XRAI[=<rai>]`: release assistance for control plane data, 0 undefined (also without a value),
 * 3 one response expected, 4 no response; read `%XRAI: <rai>`.
 */
export const xrai: AtCommand = {
  name: '%XRAI',
  ref: 'nRF91 AT ref %XRAI',
  exec: ({ modem }) => {
    modem.network.config.xrai = 0;
  },
  set: ({ modem, params }) => {
    params.count(0, 1);
    modem.network.config.xrai = params.has(0) ? params.oneOf(0, [0, 3, 4] as const) : 0;
  },
  read: ({ modem }) => [`%XRAI: ${modem.network.config.xrai}`],
};

/**
 * `%RAI[=<rai>]`: release assistance indication support, 0 off, 1 on, 2 on with notifications
 * `%RAI: "<cell_id>","<plmn>",<as_rai>,<cp_rai>` for the serving cell (sent at registration, and at
 * once when subscribed while registered); read `%RAI: <rai>`.
 */
export const rai: AtCommand = {
  name: '%RAI',
  ref: 'nRF91 AT ref %RAI; NCS lib/lte_link_control/modules/rai.c',
  exec: ({ modem }) => {
    modem.network.config.rai = 0;
  },
  set: ({ modem, params }) => {
    params.count(0, 1);
    const value = params.has(0) ? params.oneOf(0, [0, 1, 2] as const) : 0;
    const was = modem.network.config.rai;
    modem.network.config.rai = value;
    if (value === 2 && was !== 2 && modem.network.registered) queueMicrotask(() => modem.network.reportRai());
  },
  read: ({ modem }) => [`%RAI: ${modem.network.config.rai}`],
};
