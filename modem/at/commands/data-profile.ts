import type { AtCommand } from '../command.js';

/** `%XDATAPRFL=<0-4>`: the application's power/performance profile (2 normal by default); read `%XDATAPRFL: <n>`. */
export const xdataprfl: AtCommand = {
  name: '%XDATAPRFL',
  ref: 'nRF91 AT ref %XDATAPRFL',
  set: ({ modem, params }) => {
    params.count(1);
    modem.network.config.dataProfile = params.int(0, { min: 0, max: 4 });
  },
  read: ({ modem }) => [`%XDATAPRFL: ${modem.network.config.dataProfile}`],
};
