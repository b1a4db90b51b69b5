import type { Clock } from '../../core/clock.js';
import type { Link } from '../../core/link.js';
import type { DataPath } from './data-path.js';
import type { FunctionalModeState } from './functional-mode.js';
import type { NetworkService } from './network.js';
import { edrxCycleSeconds } from './timers.js';
import {
  DEFAULT_DRX_S,
  ENERGY_STATES,
  REFERENCE_RATE_BPS,
  stateCurrentUa,
  transferCurrentMa,
  radioActiveMa,
  type EnergyState,
  type RadioCategory,
} from './energy-model.js';

/** What the meter reads from the modem at each change. */
export interface EnergySources {
  state(): EnergyState;
  category(): RadioCategory;
  /** The paging cycle in force while idle: the granted eDRX cycle, or the DRX default. */
  pagingCycleS(): number;
  rsrp(): number;
  /** The link model's rate in bit/s (Infinity: no limit). */
  linkBps(direction: 'up' | 'down'): number;
}

/** A device's estimated charge use since its modem started (one power cycle). */
export interface EnergyReport {
  /** Device time measured, in ms. */
  elapsedMs: number;
  /** Device time spent in each state, in ms. */
  timeMs: Record<EnergyState, number>;
  /** Radio time carrying user data, in ms (part of the connected time). */
  airtimeMs: { tx: number; rx: number };
  /** Charge per state and for the data on top of the connected current, in µAh. */
  chargeUah: Record<EnergyState | 'tx' | 'rx', number>;
  totalUah: number;
  /** Mean current over the time measured, in µA: also the µAh used per hour. */
  averageUa: number;
  /** With a battery capacity: how long it lasts at the mean current, in days. */
  battery?: { capacityMah: number; lifeDays: number };
}

const MS_PER_HOUR = 3_600_000;

function zeroStates(): Record<EnergyState, number> {
  return Object.fromEntries(ENERGY_STATES.map((s) => [s, 0])) as Record<EnergyState, number>;
}

/**
 * Integrates the modem's current over device time: each stretch in a state costs the state's
 * current × its length, and each chunk of user data the transfer current (minus the connected
 * current already counted) for the time the bytes take on the air. Call {@link update} whenever
 * the state may have changed and {@link traffic} for every chunk of socket data.
 */
export class EnergyMeter {
  private startedAt: number;
  private segmentStart: number;
  private segmentState: EnergyState;
  private segmentUa: number;
  private stoppedAt: number | undefined;
  private readonly time = zeroStates();
  private readonly charge: Record<EnergyState | 'tx' | 'rx', number> = { ...zeroStates(), tx: 0, rx: 0 };
  private readonly air = { tx: 0, rx: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly sources: EnergySources,
  ) {
    this.startedAt = clock.monotonic();
    this.segmentStart = this.startedAt;
    this.segmentState = sources.state();
    this.segmentUa = this.currentUa(this.segmentState);
  }

  /** Closes the stretch so far and starts one in the modem's present state. */
  update(): void {
    if (this.stoppedAt !== undefined) return;
    this.close(this.clock.monotonic());
    this.segmentState = this.sources.state();
    this.segmentUa = this.currentUa(this.segmentState);
  }

  /** `bytes` of socket data went up (sent) or came down (received). */
  traffic(direction: 'up' | 'down', bytes: number): void {
    if (this.stoppedAt !== undefined || bytes <= 0) return;
    const category = this.sources.category();
    const link = this.sources.linkBps(direction);
    const rate = Number.isFinite(link) && link > 0 ? link : REFERENCE_RATE_BPS[category][direction];
    const ms = ((bytes * 8) / rate) * 1000;
    const extraMa = transferCurrentMa(category, direction, this.sources.rsrp()) - radioActiveMa(category);
    const key = direction === 'up' ? 'tx' : 'rx';
    this.air[key] += ms;
    this.charge[key] += (Math.max(0, extraMa) * 1000 * ms) / MS_PER_HOUR;
  }

  /** Starts counting afresh from now (the state the modem is in goes on). */
  reset(): void {
    if (this.stoppedAt !== undefined) return;
    const now = this.clock.monotonic();
    this.startedAt = now;
    this.segmentStart = now;
    for (const k of Object.keys(this.time) as EnergyState[]) this.time[k] = 0;
    for (const k of Object.keys(this.charge) as Array<keyof typeof this.charge>) this.charge[k] = 0;
    this.air.tx = 0;
    this.air.rx = 0;
  }

  /** The modem stopped (power off): time stops counting. */
  stop(): void {
    if (this.stoppedAt !== undefined) return;
    this.stoppedAt = this.clock.monotonic();
    this.close(this.stoppedAt);
  }

  report(options: { batteryMah?: number } = {}): EnergyReport {
    const now = this.stoppedAt ?? this.clock.monotonic();
    const time = { ...this.time };
    const charge = { ...this.charge };
    if (this.stoppedAt === undefined) {
      const open = now - this.segmentStart;
      time[this.segmentState] += open;
      charge[this.segmentState] += (this.segmentUa * open) / MS_PER_HOUR;
    }
    const elapsedMs = now - this.startedAt;
    const totalUah = Object.values(charge).reduce((a, b) => a + b, 0);
    const averageUa = elapsedMs > 0 ? (totalUah * MS_PER_HOUR) / elapsedMs : 0;
    const report: EnergyReport = {
      elapsedMs,
      timeMs: time,
      airtimeMs: { ...this.air },
      chargeUah: charge,
      totalUah,
      averageUa,
    };
    const capacityMah = options.batteryMah;
    if (capacityMah !== undefined && capacityMah > 0 && averageUa > 0) {
      report.battery = { capacityMah, lifeDays: (capacityMah * 1000) / averageUa / 24 };
    }
    return report;
  }

  private close(at: number): void {
    const ms = at - this.segmentStart;
    this.time[this.segmentState] += ms;
    this.charge[this.segmentState] += (this.segmentUa * ms) / MS_PER_HOUR;
    this.segmentStart = at;
  }

  private currentUa(state: EnergyState): number {
    return stateCurrentUa(state, this.sources.category(), this.sources.pagingCycleS());
  }
}

/** The parts of a modem the meter watches. */
export interface MeteredModem {
  clock: Clock;
  functionalMode: FunctionalModeState;
  network: NetworkService;
  dataPath: DataPath;
  link: Link;
}

/** A meter following one modem's functional mode, registration, RRC, PSM, eDRX and socket traffic. */
export function meterModem(m: MeteredModem): EnergyMeter {
  const { network } = m;
  const category = (): RadioCategory => (network.act === 9 ? 'nb-iot' : 'lte-m');
  const meter = new EnergyMeter(m.clock, {
    state: () => {
      if (!m.functionalMode.lteActive) return 'off';
      if (network.rrc.sleep === 'psm') return 'psm';
      if (network.rrc.state === 'connected') return 'connected';
      return network.registered ? 'idle' : 'searching';
    },
    category,
    pagingCycleS: () => {
      const requested = network.registered && network.powerSaving.edrxFor(network.act === 9 ? 5 : 4);
      if (!requested) return DEFAULT_DRX_S;
      return edrxCycleSeconds(network.radio.edrx.value, category()) ?? DEFAULT_DRX_S;
    },
    rsrp: () => network.radio.signal.rsrp,
    linkBps: (direction) => (direction === 'up' ? m.link.profile.uplinkBps : m.link.profile.downlinkBps),
  });
  const update = (): void => meter.update();
  m.functionalMode.on('change', update);
  network.on('registration', update);
  network.on('rrc', update);
  network.on('sleep', update);
  network.on('edrx', update);
  m.dataPath.on('traffic', (direction, bytes) => meter.traffic(direction, bytes));
  return meter;
}
