import type { AtCommand } from '../command.js';
import { requireUicc } from './sim.js';

/** IMSI prefixes (MCC+MNC) of the operators `%XOPERID` names (nRF91 AT ref %XOPERID <oper_id>). */
const OPERATORS: ReadonlyArray<[prefix: string, id: number]> = [
  ['311480', 1], // Verizon
  ['310410', 2], // AT&T
  ['310170', 2],
  ['313100', 3], // AT&T FirstNet
  ['310150', 4], // AT&T Cricket
  ['310030', 5], // AT&T Jasper
  ['46011', 6], // China Telecom
  ['44020', 7], // Softbank
  ['50501', 8], // Telstra
  ['302610', 9], // Bell
  ['45006', 10], // LGU+
];

/** `%XOPERID`: the operator of the USIM, `%XOPERID: <oper_id>`, 0 for any other operator. */
export const xoperid: AtCommand = {
  name: '%XOPERID',
  ref: 'nRF91 AT ref %XOPERID',
  exec: ({ modem }) => {
    requireUicc(modem);
    const imsi = modem.identity.imsi;
    return [`%XOPERID: ${OPERATORS.find(([p]) => imsi.startsWith(p))?.[1] ?? 0}`];
  },
};
