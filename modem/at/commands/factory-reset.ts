import type { AtCommand } from '../command.js';
import { requireNoPowerOffWarning } from './battery.js';
import { requireLteInactive } from './cmng.js';

/**
 * `%XFACTORYRESET=<0|1>`: 0 all modem data, 1 user-configurable data, back to factory values: system
 * mode, band lock, PSM and eDRX requests, PTW, data profile, network time, RAI, periodic search, PDP
 * contexts, operator selection, sensor levels, SiP pin and trace settings. Only with LTE off (CME 518);
 * the credential store is kept (see docs). NCS lte_lc_factory_reset() sends it.
 */
export const xfactoryreset: AtCommand = {
  name: '%XFACTORYRESET',
  ref: 'nRF91 AT ref %XFACTORYRESET; NCS lib/lte_link_control/modules/xfactoryreset.c',
  set: ({ modem, params }) => {
    params.count(1);
    params.oneOf(0, [0, 1]);
    requireLteInactive(modem);
    requireNoPowerOffWarning(modem);
    modem.network.factoryReset();
    modem.sensors.reset();
    modem.settings.reset();
  },
};
