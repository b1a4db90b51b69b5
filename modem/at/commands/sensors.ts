import type { AtCommand } from '../command.js';

/** `%XTEMP`: read `%XTEMP: <°C>`; `=1` subscribes to high-temperature notifications. */
export const xtemp: AtCommand = {
  name: '%XTEMP',
  ref: 'ncs-behaviour §1.4 %XTEMP; nRF91 AT ref %XTEMP',
  read: ({ modem }) => [`%XTEMP: ${Math.round(modem.sensors.temperatureC)}`],
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.xtemp = params.oneOf(0, [0, 1]);
  },
};

/** `%XVBAT`: supply voltage in millivolts. */
export const xvbat: AtCommand = {
  name: '%XVBAT',
  ref: 'ncs-behaviour §1.4 %XVBAT; nRF91 AT ref %XVBAT',
  exec: ({ modem }) => [`%XVBAT: ${Math.round(modem.sensors.batteryMv)}`],
};
