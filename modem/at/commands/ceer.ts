import type { AtCommand } from '../command.js';

/**
 * `+CEER`: the last failure, `+CEER: "<module> <cause>"` with module OTHER, ESM, EMM, PDP, UICC or SMS
 * (nRF91 AT ref +CEER); `"OTHER 0"` before any failure.
 */
export const ceer: AtCommand = {
  name: '+CEER',
  ref: 'nRF91 AT ref +CEER; 3GPP TS 27.007 §6.10',
  exec: ({ modem }) => {
    const f = modem.network.lastFailure;
    return [`+CEER: "${f ? `${f.module} ${f.cause}` : 'OTHER 0'}"`];
  },
};
