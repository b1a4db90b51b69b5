import type { Clock, TimerHandle } from '../../core/clock.js';
import { Random } from '../../core/random.js';
import { StateMachine } from '../../core/state-machine.js';
import type { Cell, NeighbourCell, Signal } from './radio.js';

/**
 * `AT%NCELLMEAS=<search_type>`, as lte_lc sends it: 0 default, 1 extended light, 2 extended complete
 * (neighbours of the serving cell), 3-5 GCI default / extended light / extended complete (whole cell
 * identities of up to `<gci_count>` cells). The command without a type is the default search.
 */
export type NeighbourSearchType = 0 | 1 | 2 | 3 | 4 | 5;

export function isGciSearch(type: NeighbourSearchType): boolean {
  return type >= 3;
}

/** One measured cell, values as `%NCELLMEAS` prints them (dBm and dB, not yet indices). */
export interface MeasuredCell {
  cell: Pick<Cell, 'cellId' | 'plmn' | 'tac' | 'earfcn' | 'physicalCellId'>;
  rsrp: number;
  rsrq: number;
  serving: boolean;
  /** Ms since modem boot when the cell was measured. */
  measuredAt: number;
}

/** The outcome a `%NCELLMEAS` notification reports. */
export type NeighbourSearchResult =
  | {
      status: 'done';
      type: NeighbourSearchType;
      serving: MeasuredCell;
      /** Timing advance and when it was measured, while the radio connection is up. */
      timingAdvance: { value: number; measuredAt: number } | undefined;
      neighbours: NeighbourCell[];
      gci: MeasuredCell[];
    }
  | { status: 'failed' }
  | { status: 'interrupted' };

/** What the search needs to know about the radio at the moment it finishes. */
export interface NeighbourSearchRadio {
  /** Camped on a cell (LTE on, in coverage, not denied a cell): what can be measured at all. */
  camped(): boolean;
  /** The timing advance while RRC connected, else undefined. */
  timingAdvance(): number | undefined;
  cell: Cell;
  signal: Signal;
  neighbours: readonly NeighbourCell[];
}

type SearchState = 'idle' | 'measuring';

const SEARCH_STATES: Record<SearchState, readonly SearchState[]> = {
  idle: ['measuring'],
  measuring: ['idle'],
};

/**
 * The neighbour cell measurement `AT%NCELLMEAS` starts and `AT%NCELLMEASSTOP` cancels: one at a time,
 * its result delivered after the search time as a notification (status 0 with cells, 1 when no cell
 * could be measured, 2 when stopped before it finished).
 */
export class NeighbourSearch {
  readonly machine: StateMachine<SearchState>;
  private timer: TimerHandle | undefined;
  /** Measurement times count from the modem's boot. */
  private readonly bootAt: number;

  constructor(
    owner: string,
    private readonly clock: Clock,
    private readonly durationMs: number,
    private readonly report: (result: NeighbourSearchResult) => void,
  ) {
    this.machine = new StateMachine<SearchState>('neighbour-search', 'idle', SEARCH_STATES, owner);
    this.bootAt = clock.monotonic();
  }

  get busy(): boolean {
    return this.machine.is('measuring');
  }

  /** Starts a search; false when one is already running. */
  start(type: NeighbourSearchType, gciCount: number, radio: NeighbourSearchRadio): boolean {
    if (this.busy) return false;
    this.machine.transition('measuring');
    const ms = isGciSearch(type) ? this.durationMs * 3 : this.durationMs;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.machine.transition('idle');
      this.report(this.measure(type, gciCount, radio));
    }, ms);
    return true;
  }

  /** `%NCELLMEASSTOP`: a running search ends with status 2; nothing happens when none runs. */
  stop(): void {
    if (!this.busy) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.machine.transition('idle');
    this.report({ status: 'interrupted' });
  }

  /** The radio went away (detach, `+CFUN=4`): a running search fails (status 1). */
  abort(): void {
    if (!this.busy) return;
    this.timer?.cancel();
    this.timer = undefined;
    this.machine.transition('idle');
    this.report({ status: 'failed' });
  }

  dispose(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.busy) this.machine.transition('idle');
  }

  private measure(
    type: NeighbourSearchType,
    gciCount: number,
    radio: NeighbourSearchRadio,
  ): NeighbourSearchResult {
    if (!radio.camped()) return { status: 'failed' };
    const at = Math.round(this.clock.monotonic() - this.bootAt);
    const serving: MeasuredCell = {
      cell: radio.cell,
      rsrp: radio.signal.rsrp,
      rsrq: radio.signal.rsrq,
      serving: true,
      measuredAt: at,
    };
    // A default search stays on the serving EARFCN, a light one hears cells down to -125 dBm on
    // every EARFCN, a complete one everything the profile has.
    const heard = [...radio.neighbours].sort((a, b) => b.rsrp - a.rsrp);
    const depth = type % 3;
    const neighbours =
      depth === 0
        ? heard.filter((n) => n.earfcn === radio.cell.earfcn)
        : depth === 1
          ? heard.filter((n) => n.rsrp >= -125)
          : heard;
    const gci = isGciSearch(type)
      ? neighbours.slice(0, Math.max(0, gciCount - 1)).map((n, i): MeasuredCell => ({
          cell: {
            cellId: n.cellId,
            plmn: n.plmn,
            tac: n.tac,
            earfcn: n.earfcn,
            physicalCellId: n.physicalCellId,
          },
          rsrp: n.rsrp,
          rsrq: n.rsrq,
          serving: false,
          measuredAt: at + 9 * (i + 1),
        }))
      : [];
    const ta = radio.timingAdvance();
    const timingAdvance = ta === undefined ? undefined : { value: ta, measuredAt: at };
    return { status: 'done', type, serving, timingAdvance, neighbours, gci };
  }
}

/**
 * Neighbour cells for a profile that names none: two to four cells around the serving one, on its
 * EARFCN and one other, weaker than it, the same for the same seed.
 */
export function deriveNeighbours(seed: string, serving: Cell, signal: Signal): NeighbourCell[] {
  const rng = new Random(`neighbours:${seed}`);
  const count = rng.int(2, 4);
  const otherEarfcn = serving.earfcn === 6300 ? 1650 : serving.earfcn + 100;
  const usedPci = new Set([serving.physicalCellId]);
  const out: NeighbourCell[] = [];
  for (let i = 0; i < count; i++) {
    let pci = rng.int(0, 503);
    while (usedPci.has(pci)) pci = (pci + 1) % 504;
    usedPci.add(pci);
    let cellId = ((parseInt(serving.cellId, 16) & 0xffff_ff00) | rng.int(0, 255)) >>> 0;
    if (cellId === parseInt(serving.cellId, 16)) cellId ^= 1;
    out.push({
      earfcn: i % 2 === 0 ? serving.earfcn : otherEarfcn,
      physicalCellId: pci,
      rsrp: Math.max(-140, signal.rsrp - rng.int(3, 25)),
      rsrq: Math.max(-19.5, signal.rsrq - rng.int(1, 6)),
      timeDiffMs: rng.int(0, 2000),
      cellId: cellId.toString(16).toUpperCase().padStart(8, '0'),
      plmn: serving.plmn,
      tac: serving.tac,
    });
  }
  return out;
}
