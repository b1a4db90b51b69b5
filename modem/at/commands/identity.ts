import { modemFirmwareUuid, shortSoftwareVersion } from '../../identity.js';
import type { AtCommand } from '../command.js';

/** `+CGMI`: manufacturer, a bare line. */
export const cgmi: AtCommand = {
  name: '+CGMI',
  ref: 'ncs-behaviour §1.4 +CGMI',
  exec: ({ modem }) => [modem.identity.manufacturer],
};

/** `+CGMM`: model, a bare line. */
export const cgmm: AtCommand = {
  name: '+CGMM',
  ref: 'ncs-behaviour §1.4 +CGMM',
  exec: ({ modem }) => [modem.identity.model],
};

/** `+CGMR`: modem firmware version, a bare line (`mfw_nrf9160_1.3.5`). */
export const cgmr: AtCommand = {
  name: '+CGMR',
  ref: 'ncs-behaviour §1.4 +CGMR',
  exec: ({ modem }) => [modem.identity.firmwareVersion],
};

/**
 * `+CGSN`: the bare form prints the IMEI alone on its line; the v1.x nRF Cloud library builds its
 * client id from the first 15 characters of that line (spec §8 item 2), so no prefix and no quotes.
 */
export const cgsn: AtCommand = {
  name: '+CGSN',
  ref: 'ncs-behaviour §1.4 +CGSN; 3GPP TS 27.007 §7.1',
  exec: ({ modem }) => [modem.identity.imei],
  set: ({ modem, params }) => {
    params.count(1);
    const { imei, svn } = modem.identity;
    switch (params.oneOf(0, [0, 1, 2, 3])) {
      case 0:
        return [imei];
      case 1:
        return [`+CGSN: "${imei}"`];
      case 2:
        // IMEISV: the IMEI without its check digit, then the 2-digit SVN (3GPP TS 23.003 §6.2.2).
        return [`+CGSN: "${imei.slice(0, 14)}${svn}"`];
      default:
        return [`+CGSN: "${svn}"`];
    }
  },
  test: () => ['+CGSN: (0-3)'],
};

/** `%HWVERSION`: `%HWVERSION: nRF9160 SICA B1A`. */
export const hwversion: AtCommand = {
  name: '%HWVERSION',
  ref: 'ncs-behaviour §1.3; nRF91 AT ref %HWVERSION',
  exec: ({ modem }) => [`%HWVERSION: ${modem.identity.hwVersion}`],
};

/** `%SHORTSWVER`: `%SHORTSWVER: nrf9160_1.3.5`. */
export const shortswver: AtCommand = {
  name: '%SHORTSWVER',
  ref: 'ncs-behaviour §1.3; nRF91 AT ref %SHORTSWVER',
  exec: ({ modem }) => [`%SHORTSWVER: ${shortSoftwareVersion(modem.identity.firmwareVersion)}`],
};

/** `%XMODEMUUID`: one UUID per modem firmware build, unquoted. */
export const xmodemuuid: AtCommand = {
  name: '%XMODEMUUID',
  ref: 'ncs-behaviour §1.3; nRF91 AT ref %XMODEMUUID',
  exec: ({ modem }) => [`%XMODEMUUID: ${modemFirmwareUuid(modem.identity.firmwareVersion)}`],
};

/** `%DEVICEUUID`: the device's own UUID (the one nRF Cloud knows it by), unquoted. */
export const deviceuuid: AtCommand = {
  name: '%DEVICEUUID',
  ref: 'nRF91 AT ref %DEVICEUUID',
  exec: ({ modem }) => [`%DEVICEUUID: ${modem.identity.deviceUuid}`],
};
