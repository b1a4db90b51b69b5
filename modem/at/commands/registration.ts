import { ceregFields } from '../urc/format.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import { onNetwork } from '../network-errors.js';

/**
 * `+CEREG`: EPS registration status. The read form leads with `<n>`; notifications do not
 * (spec §1.4, §8 item 14). lte_lc subscribes with `AT+CEREG=5`.
 */
export const cereg: AtCommand = {
  name: '+CEREG',
  ref: 'ncs-behaviour §1.4 +CEREG; 3GPP TS 27.007 §10.1.22',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.cereg = params.int(0, { min: 0, max: 5 });
  },
  read: ({ modem }) => {
    const n = modem.subscriptions.cereg;
    // Fields follow the subscription level, as for notifications (n=0 reads like n=1).
    return [`+CEREG: ${n},${ceregFields(Math.max(n, 1), modem.network.ceregState())}`];
  },
  test: () => ['+CEREG: (0-5)'],
};

/**
 * `+COPS`: PLMN selection. Read `+COPS: <mode>[,<format>,"<oper>",<AcT>]`; set 0 automatic,
 * 1 manual (`=1,2,"26201"`), 2 deregister, 3 set the format; test lists the networks found.
 */
export const cops: AtCommand = {
  name: '+COPS',
  ref: 'ncs-behaviour §1.4 +COPS; 3GPP TS 27.007 §7.3',
  read: ({ modem }) => {
    const net = modem.network;
    if (!net.registered) return [`+COPS: ${net.copsMode}`];
    const cell = net.cell;
    const oper =
      net.copsFormat === 0 ? cell.longName : net.copsFormat === 1 ? cell.shortName : net.servingPlmn;
    return [`+COPS: ${net.copsMode},${net.copsFormat},"${oper}",${net.act}`];
  },
  set: ({ modem, params }) => {
    params.count(1, 3);
    const mode = params.oneOf(0, [0, 1, 2, 3]);
    const net = modem.network;
    if (mode === 0) {
      net.setAutomatic();
    } else if (mode === 1) {
      const format = params.oneOf(1, [0, 1, 2]);
      // The modem selects networks by numeric id only.
      if (format !== 2) throw new AtError(CmeError.OPERATION_NOT_SUPPORTED);
      const plmn = params.string(2);
      if (!/^\d{5,6}$/.test(plmn)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
      net.setManual(plmn);
    } else if (mode === 2) {
      net.deregister();
    } else {
      net.copsFormat = params.oneOf(1, [0, 1, 2]);
    }
  },
  /**
   * nRF91 AT ref +COPS test command: `+COPS: (<stat>,"","","<plmn>",<AcT>),…` (names left empty,
   * <stat> 1 available, 2 current), no mode and format lists; refused during a radio connection
   * (CME 516) and without LTE.
   */
  test: ({ modem }) => {
    const net = modem.network;
    if (!net.lteActive) throw new AtError(CmeError.OPERATION_NOT_ALLOWED);
    const entries = onNetwork(() => net.scanNetworks()).map(
      (n) => `(${n.current ? 2 : 1},"","","${n.plmn}",${net.act})`,
    );
    if (entries.length === 0) return ['+COPS: '];
    return [`+COPS: ${entries.join(',')}`];
  },
};
