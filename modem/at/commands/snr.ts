import type { AtCommand } from '../command.js';
import { formatXsnrsqRead } from '../urc/signal-format.js';

/**
 * `%XSNRSQ=<0|1>`: SNR notifications `%XSNRSQ: <snr>,<threshold_index>,<srxlev>,<ce_level>` when the
 * SNR crosses a threshold (16, 24, 32, 40 on the index); read `%XSNRSQ: <snr>,<srxlev>,<ce_level>`,
 * `127,32767,255` when not camped.
 */
export const xsnrsq: AtCommand = {
  name: '%XSNRSQ',
  ref: 'nRF91 AT ref %XSNRSQ',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.xsnrsq = params.oneOf(0, [0, 1]);
  },
  read: ({ modem }) =>
    modem.network.camped ? [formatXsnrsqRead(modem.network.radio.signal)] : ['%XSNRSQ: 127,32767,255'],
};
