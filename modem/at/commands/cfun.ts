import { FUNCTIONAL_MODES, type FunctionalModeRequest } from '../../network/functional-mode.js';
import type { AtCommand } from '../command.js';

/** `+CFUN`: functional mode. The modem boots in 0; 1 powers the UICC and the `%XSYSTEMMODE` radios. */
export const cfun: AtCommand = {
  name: '+CFUN',
  ref: 'ncs-behaviour §1.4 +CFUN; nRF91 AT ref +CFUN',
  set: ({ modem, params }) => {
    params.count(1);
    const request = params.oneOf<FunctionalModeRequest>(0, FUNCTIONAL_MODES);
    const mode = modem.network.systemMode;
    modem.functionalMode.apply(request, { lte: mode.lteM || mode.nbIot, gnss: mode.gnss });
  },
  read: ({ modem }) => [`+CFUN: ${modem.functionalMode.mode}`],
  test: () => [`+CFUN: (${FUNCTIONAL_MODES.join(',')})`],
};
