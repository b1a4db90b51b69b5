import type { AtContext } from '../context.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

/** The UICC answers only while powered (CFUN 1, 4, 41, 44 …): spec §1.4 and §8 item 15. */
export function requireUicc(modem: AtContext): void {
  if (!modem.network.uiccReady) throw new AtError(CmeError.SIM_NOT_INSERTED);
}

/** `+CIMI`: the bare 15-digit IMSI. */
export const cimi: AtCommand = {
  name: '+CIMI',
  ref: 'ncs-behaviour §1.4 +CIMI; 3GPP TS 27.007 §5.6',
  exec: ({ modem }) => {
    requireUicc(modem);
    return [modem.identity.imsi];
  },
};

/** `%XICCID`: `%XICCID: <iccid>`, unquoted. */
export const xiccid: AtCommand = {
  name: '%XICCID',
  ref: 'ncs-behaviour §1.4 %XICCID',
  exec: ({ modem }) => {
    requireUicc(modem);
    return [`%XICCID: ${modem.identity.iccid}`];
  },
};

/** `+CPIN?`: `+CPIN: READY` (the simulated SIM has no PIN). */
export const cpin: AtCommand = {
  name: '+CPIN',
  ref: 'ncs-behaviour §1.4 other commands; 3GPP TS 27.007 §8.3',
  read: ({ modem }) => {
    requireUicc(modem);
    return ['+CPIN: READY'];
  },
  // No PIN is ever required, so entering one is not allowed.
  set: () => {
    throw new AtError(CmeError.OPERATION_NOT_ALLOWED);
  },
};

/**
 * `%XSIM=<0|1>`: UICC state notifications `%XSIM: 1` (initialised) and `%XSIM: 0` (powered down or
 * removed); read `%XSIM: <state>`.
 */
export const xsim: AtCommand = {
  name: '%XSIM',
  ref: 'nRF91 AT ref %XSIM',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.xsim = params.oneOf(0, [0, 1]);
  },
  read: ({ modem }) => [`%XSIM: ${modem.network.uiccReady ? 1 : 0}`],
};
