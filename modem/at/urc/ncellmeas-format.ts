import { isGciSearch, type MeasuredCell, type NeighbourSearchResult } from '../../network/neighbours.js';
import { rsrpIndex, rsrqIndex, type NeighbourCell } from '../../network/radio.js';

/** Timing advance not known (the radio connection is idle). */
const TA_INVALID = 65535;

const neighbour = (n: NeighbourCell): string =>
  `${n.earfcn},${n.physicalCellId},${rsrpIndex(n.rsrp)},${rsrqIndex(n.rsrq)},${n.timeDiffMs}`;

/**
 * The `%NCELLMEAS` notification (nRF91 AT ref %NCELLMEAS, as NCS lte_lc parses it):
 * `%NCELLMEAS: <status>[,"<cell_id>","<plmn>","<tac>",<ta>,<earfcn>,<pci>,<rsrp>,<rsrq>,<meas_time>,
 * [<n_earfcn>,<n_pci>,<n_rsrp>,<n_rsrq>,<time_diff>,]…<ta_meas_time>]`; GCI searches list each cell as
 * `"<cell_id>","<plmn>","<tac>",<ta>,<ta_meas_time>,<earfcn>,<pci>,<rsrp>,<rsrq>,<meas_time>,<serving>,
 * <neighbor_count>[,<neighbours>]`. Status 0 measured, 1 failed, 2 interrupted.
 */
export function formatNcellmeas(result: NeighbourSearchResult): string {
  if (result.status === 'failed') return '%NCELLMEAS: 1';
  if (result.status === 'interrupted') return '%NCELLMEAS: 2';
  const ta = result.timingAdvance;
  const s = result.serving;
  if (!isGciSearch(result.type)) {
    const fields = [
      ...cellFields(s),
      String(ta?.value ?? TA_INVALID),
      String(s.cell.earfcn),
      String(s.cell.physicalCellId),
      String(rsrpIndex(s.rsrp)),
      String(rsrqIndex(s.rsrq)),
      String(s.measuredAt),
      ...result.neighbours.map(neighbour),
      String(ta?.measuredAt ?? 0),
    ];
    return `%NCELLMEAS: 0,${fields.join(',')}`;
  }
  const cells = [gciCell(s, ta, result.neighbours), ...result.gci.map((c) => gciCell(c, undefined, []))];
  return `%NCELLMEAS: 0,${cells.join(',')}`;
}

function cellFields(c: MeasuredCell): string[] {
  return [`"${c.cell.cellId}"`, `"${c.cell.plmn}"`, `"${c.cell.tac}"`];
}

function gciCell(
  c: MeasuredCell,
  ta: { value: number; measuredAt: number } | undefined,
  neighbours: readonly NeighbourCell[],
): string {
  return [
    ...cellFields(c),
    String(ta?.value ?? TA_INVALID),
    String(ta?.measuredAt ?? 0),
    String(c.cell.earfcn),
    String(c.cell.physicalCellId),
    String(rsrpIndex(c.rsrp)),
    String(rsrqIndex(c.rsrq)),
    String(c.measuredAt),
    c.serving ? '1' : '0',
    String(neighbours.length),
    ...neighbours.map(neighbour),
  ].join(',');
}
