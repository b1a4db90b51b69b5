import { rsrpIndex, rsrqIndex, snrIndex } from '../../network/radio.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import { ceLevel } from '../urc/signal-format.js';

/** Reference signal power a typical eNB sends, dBm: the downlink path loss is this minus RSRP. */
const RS_POWER_DBM = 18;
/** Open-loop uplink power control: nominal P0 and the device's maximum (3GPP TS 36.213 §5.1.1). */
const P0_DBM = -100;
const MAX_TX_DBM = 23;

/** `<energy_estimate>` 5 (excessive) … 9 (efficient) from how good the cell is. */
function energyEstimate(rsrp: number): number {
  if (rsrp >= -85) return 9;
  if (rsrp >= -95) return 8;
  if (rsrp >= -105) return 7;
  if (rsrp >= -115) return 6;
  return 5;
}

/**
 * `%CONEVAL`: connection pre-evaluation, `%CONEVAL: <result>[,<rrc_state>,<energy_estimate>,<rsrp>,
 * <rsrq>,<snr>,"<cell_id>","<plmn>",<phys_cell_id>,<earfcn>,<band>,<tau_triggered>,<ce_level>,
 * <tx_power>,<tx_repetitions>,<rx_repetitions>,<dl-pathloss>]` (17 fields, as NCS lte_lc parses it).
 * `<result>` 0 done, 1 no cell, 2 no UICC, 6 not registered. Needs LTE on (lte_lc checks +CFUN first).
 */
export const coneval: AtCommand = {
  name: '%CONEVAL',
  ref: 'nRF91 AT ref %CONEVAL; NCS lib/lte_link_control/modules/coneval.c',
  exec: ({ modem }) => {
    const net = modem.network;
    if (!net.lteActive) throw new AtError(CmeError.OPERATION_NOT_ALLOWED);
    if (!net.uiccReady) return ['%CONEVAL: 2'];
    if (!net.camped) return ['%CONEVAL: 1'];
    if (!net.registered) return ['%CONEVAL: 6'];
    const s = net.radio.signal;
    const c = net.cell;
    const ce = ceLevel(s.rsrp);
    const pathloss = Math.round(RS_POWER_DBM - s.rsrp);
    const txPower = Math.min(MAX_TX_DBM, P0_DBM + pathloss);
    const repetitions = [1, 4, 32][ce] as number;
    return [
      `%CONEVAL: 0,${net.rrc.state === 'connected' ? 1 : 0},${energyEstimate(s.rsrp)},${rsrpIndex(s.rsrp)},` +
        `${rsrqIndex(s.rsrq)},${snrIndex(s.snr)},"${c.cellId}","${net.servingPlmn}",${c.physicalCellId},` +
        `${c.earfcn},${c.band},0,${ce},${txPower},${repetitions},${repetitions},${pathloss}`,
    ];
  },
};
