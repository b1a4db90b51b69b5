import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

/**
 * `%XSYSTEMMODE=<LTE_M>,<NB_IoT>,<GNSS>,<LTE_preference>`: which systems `+CFUN=1` enables. Refused
 * while LTE is active (CME 518, spec §1.4).
 */
export const xsystemmode: AtCommand = {
  name: '%XSYSTEMMODE',
  ref: 'ncs-behaviour §1.4 %XSYSTEMMODE',
  set: ({ modem, params }) => {
    params.count(4);
    const lteM = params.oneOf(0, [0, 1]);
    const nbIot = params.oneOf(1, [0, 1]);
    const gnss = params.oneOf(2, [0, 1]);
    const preference = params.int(3, { min: 0, max: 4 });
    if (lteM === 0 && nbIot === 0 && gnss === 0) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    if (modem.functionalMode.lteActive) throw new AtError(CmeError.NOT_ALLOWED_IN_ACTIVE_STATE);
    modem.network.systemMode = { lteM: lteM === 1, nbIot: nbIot === 1, gnss: gnss === 1, preference };
  },
  read: ({ modem }) => {
    const m = modem.network.systemMode;
    return [`%XSYSTEMMODE: ${Number(m.lteM)},${Number(m.nbIot)},${Number(m.gnss)},${m.preference}`];
  },
  test: () => ['%XSYSTEMMODE: (0,1),(0,1),(0,1),(0-4)'],
};
