import { isGciSearch, type NeighbourSearchType } from '../../network/neighbours.js';
import type { NetworkService } from '../../network/network.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

/**
 * `%NCELLMEAS[=<search_type>[,<gci_count>]]`: measure neighbour cells; `OK` at once, the result in a
 * `%NCELLMEAS` notification when the search is done (status 1 when nothing could be measured).
 * `<search_type>` 0-2 neighbours of the serving cell, 3-5 whole cell identities (GCI) of up to
 * `<gci_count>` (2-15) cells, as NCS lte_lc sends them. One search at a time.
 */
export const ncellmeas: AtCommand = {
  name: '%NCELLMEAS',
  ref: 'nRF91 AT ref %NCELLMEAS; NCS lib/lte_link_control/modules/ncellmeas.c',
  exec: ({ modem }) => start(modem.network, 0, 0),
  set: ({ modem, params }) => {
    params.count(1, 2);
    const type = params.int(0, { min: 0, max: 5 }) as NeighbourSearchType;
    const gci = isGciSearch(type) ? params.int(1, { min: 2, max: 15 }) : 0;
    if (!isGciSearch(type) && params.has(1)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    start(modem.network, type, gci);
  },
};

function start(net: NetworkService, type: NeighbourSearchType, gciCount: number): void {
  if (!net.startNeighbourSearch(type, gciCount)) throw new AtError(CmeError.OPERATION_NOT_ALLOWED);
}

/** `%NCELLMEASSTOP`: a running search ends with `%NCELLMEAS: 2`; `OK` either way. */
export const ncellmeasstop: AtCommand = {
  name: '%NCELLMEASSTOP',
  ref: 'nRF91 AT ref %NCELLMEASSTOP; NCS lib/lte_link_control/modules/ncellmeas.c',
  exec: ({ modem }) => {
    modem.network.neighbourSearch.stop();
  },
};
