import type { AtCommand } from '../command.js';

/**
 * `%XCONNSTAT=<0|1>`: stop / start (from zero) the connectivity statistics; read
 * `%XCONNSTAT: <SMS Tx>,<SMS Rx>,<Data Tx kB>,<Data Rx kB>,<Packet max>,<Packet average>` from every
 * socket's traffic since the start. No test command.
 */
export const xconnstat: AtCommand = {
  name: '%XCONNSTAT',
  ref: 'nRF91 AT ref %XCONNSTAT set and read commands',
  set: ({ modem, params }) => {
    params.count(1);
    const stats = modem.network.statistics;
    if (params.oneOf(0, [0, 1]) === 1) stats.start();
    else stats.stop();
  },
  read: ({ modem }) => {
    const r = modem.network.statistics.report();
    return [
      `%XCONNSTAT: ${r.smsTx},${r.smsRx},${r.dataTxKb},${r.dataRxKb},${r.packetMax},${r.packetAverage}`,
    ];
  },
};
