import type { AtCommand } from '../command.js';

/**
 * `%XNETTIME=<0|1>`: whether the modem takes the time the network sends at registration (NITZ, on by
 * default); with 0 `+CCLK?` keeps what `AT+CCLK=` set and no `%XTIME` is sent. Read `%XNETTIME: <n>`.
 */
export const xnettime: AtCommand = {
  name: '%XNETTIME',
  ref: 'nRF91 AT ref %XNETTIME',
  set: ({ modem, params }) => {
    params.count(1);
    modem.network.config.networkTime = params.oneOf(0, [0, 1]) === 1;
  },
  read: ({ modem }) => [`%XNETTIME: ${modem.network.config.networkTime ? 1 : 0}`],
};
