import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

/**
 * `%XPOFWARN=<state>[,<voltage>]`: power-off warning at 30-33 (3000-3300 mV). When the supply falls
 * under it the modem sends `%MDMEV: ME BATTERY LOW` (with `%MDMEV=1`) and goes offline (`+CFUN=4`),
 * as NCS lib/modem_battery expects; the warning fires once and must be enabled again. Until the supply
 * is back up, NVM writes answer CME 528.
 */
export const xpofwarn: AtCommand = {
  name: '%XPOFWARN',
  ref: 'nRF91 AT ref %XPOFWARN; NCS lib/modem_battery',
  set: ({ modem, params }) => {
    params.count(1, 2);
    if (params.oneOf(0, [0, 1]) === 0) {
      params.optionalInt(1, { min: 30, max: 33 });
      modem.sensors.setPowerOffWarning(undefined);
      return;
    }
    modem.sensors.setPowerOffWarning(params.int(1, { min: 30, max: 33 }) * 100);
  },
};

/** `%XVBATLOWLVL=<3100-5000>`: the battery low level (factory 3300 mV); read `%XVBATLOWLVL: <mV>`. */
export const xvbatlowlvl: AtCommand = {
  name: '%XVBATLOWLVL',
  ref: 'nRF91 AT ref %XVBATLOWLVL',
  set: ({ modem, params }) => {
    params.count(1);
    modem.sensors.batteryLowLevel = params.int(0, { min: 3100, max: 5000 });
  },
  read: ({ modem }) => [`%XVBATLOWLVL: ${modem.sensors.batteryLowLevel}`],
};

/** `%XVBATLVL=<0|1>`: `%XVBATLOWLVL: <mV>` when the supply falls under the battery low level. */
export const xvbatlvl: AtCommand = {
  name: '%XVBATLVL',
  ref: 'nRF91 AT ref %XVBATLVL; NCS lib/modem_battery',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.xvbatlvl = params.oneOf(0, [0, 1]);
  },
};

/**
 * `%XTEMPHIGHLVL=<1-85>`: the high temperature level (factory 55 °C) at which `%XTEMP` reports level 1;
 * read `%XTEMPHIGHLVL: <°C>`.
 */
export const xtemphighlvl: AtCommand = {
  name: '%XTEMPHIGHLVL',
  ref: 'nRF91 AT ref %XTEMPHIGHLVL',
  set: ({ modem, params }) => {
    params.count(1);
    modem.sensors.highTemperatureLevel = params.int(0, { min: 1, max: 85 });
  },
  read: ({ modem }) => [`%XTEMPHIGHLVL: ${modem.sensors.highTemperatureLevel}`],
};

/** nRF91 AT ref: NVM is not written while a power-off warning is active (CME 528). */
export function requireNoPowerOffWarning(modem: { sensors: { powerOffWarning: boolean } }): void {
  if (modem.sensors.powerOffWarning) throw new AtError(CmeError.POWER_OFF_WARNING_ACTIVE);
}
