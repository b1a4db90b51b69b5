import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

/** Manufacturer default paging time windows: 5.12 s on LTE-M, 2.56 s on NB-IoT. */
const DEFAULT_PTW: Record<4 | 5, string> = { 4: '0011', 5: '0000' };

/**
 * `%XPTW=<AcT-type>[,"<ptw>"]`: the paging time window to request with eDRX (without a value, back to
 * the default); `+CEDRXS` resets it. The network grants the requested window (`+CEDRXP`, `+CEDRXRDP`).
 * Read `%XPTW: <AcT-type>,"<ptw>"` per AcT type.
 */
export const xptw: AtCommand = {
  name: '%XPTW',
  ref: 'nRF91 AT ref %XPTW',
  set: ({ modem, params }) => {
    params.count(1, 2);
    const act = params.oneOf(0, [4, 5] as const);
    const ptw = modem.network.config.requestedPtw;
    const value = params.optionalString(1);
    if (value === undefined) {
      ptw.delete(act);
      return;
    }
    if (!/^[01]{4}$/.test(value)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    ptw.set(act, value);
  },
  read: ({ modem }) =>
    ([4, 5] as const).map(
      (act) => `%XPTW: ${act},"${modem.network.config.requestedPtw.get(act) ?? DEFAULT_PTW[act]}"`,
    ),
};
