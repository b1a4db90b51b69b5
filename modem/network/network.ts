import type { TimerHandle } from '../../core/clock.js';
import { StateMachine } from '../../core/state-machine.js';
import type { Modem } from '../modem.js';
import { PdnTable } from './pdn.js';
import { PowerSaving } from './power-saving.js';
import {
  rsrpThresholdIndex,
  rsrqThresholdIndex,
  rsrpIndex,
  rsrqIndex,
  type Cell,
  type RadioProfile,
  type Signal,
} from './radio.js';
import { RrcModel } from './rrc.js';
import {
  DEFAULT_SUBSCRIPTIONS,
  RegistrationStatus,
  isRegistered,
  type NetworkProfile,
  type NetworkSubscriptions,
} from './types.js';
import { ceregFields, formatXtime, type CeregState } from './urc.js';

type Phase = 'off' | 'searching' | 'attaching' | 'registered' | 'denied' | 'no-sim' | 'deregistered';

const PHASES: Record<Phase, readonly Phase[]> = {
  off: ['searching', 'no-sim', 'deregistered'],
  searching: ['off', 'attaching', 'denied', 'no-sim', 'deregistered'],
  attaching: ['off', 'registered', 'searching', 'denied', 'no-sim', 'deregistered'],
  registered: ['off', 'searching', 'denied', 'no-sim', 'deregistered'],
  denied: ['off', 'searching', 'no-sim', 'deregistered'],
  'no-sim': ['off', 'searching', 'deregistered'],
  deregistered: ['off', 'searching', 'no-sim'],
};

/** Why the modem left the network, for `+CGEV` and the data path. */
type DetachCause = 'cfun' | 'cops' | 'network' | 'sim';

/**
 * LTE registration, the default bearer and the radio connection, driven by `+CFUN`, `+COPS` and the
 * control face (coverage, signal, denial, roaming, PDN drop, SIM removal). It emits exactly the
 * notifications a real modem does for each: `+CEREG`, `+CSCON`, `+CGEV`, `%CESQ`, `%XTIME`,
 * `+CEDRXP`, `+CNEC_EMM`, `%MDMEV`, `%XMODEMSLEEP`.
 */
export class NetworkService {
  readonly radio: RadioProfile;
  readonly subscriptions: NetworkSubscriptions = { ...DEFAULT_SUBSCRIPTIONS };
  readonly pdn: PdnTable;
  readonly powerSaving = new PowerSaving();
  readonly rrc: RrcModel;
  readonly phase: StateMachine<Phase>;
  /** `+COPS` mode: 0 automatic, 1 manual, 2 deregistered. */
  copsMode: 0 | 1 | 2 = 0;
  copsFormat: 0 | 1 | 2 = 2;
  manualPlmn: string | undefined;
  private status: RegistrationStatus = RegistrationStatus.NOT_REGISTERED;
  private coverage = true;
  private simPresent = true;
  private denyCause: number | undefined;
  private rejectCause: number | undefined;
  private timer: TimerHandle | undefined;
  private outOfCoverageTimer: TimerHandle | undefined;
  private lastCesq: string | undefined;

  constructor(
    private readonly modem: Modem,
    private readonly profile: NetworkProfile,
  ) {
    this.radio = structuredClone(profile.radio);
    this.pdn = new PdnTable(this.radio.apn);
    this.phase = new StateMachine<Phase>('registration', 'off', PHASES, modem.name);
    this.rrc = new RrcModel(modem.name, modem.clock, profile.timings, {
      rrc: (state) => {
        if (this.subscriptions.cscon > 0) this.modem.notify(`+CSCON: ${state === 'connected' ? 1 : 0}`);
      },
      sleep: (state, ms) => {
        if (this.subscriptions.xmodemsleep > 0)
          this.modem.notify(`%XMODEMSLEEP: 1,${state === 'psm' ? ms : 0}`);
      },
      psmTimers: () => this.powerSaving.psmTimers,
    });
    modem.functionalMode.on('change', (parts, previous) => {
      if (parts.lte && !previous.lte) this.start();
      if (!parts.lte && previous.lte) this.detach('cfun');
    });
    modem.dataPath.on('activity', () => {
      if (this.phase.is('registered')) this.rrc.activity();
    });
  }

  get registration(): RegistrationStatus {
    return this.status;
  }

  get registered(): boolean {
    return isRegistered(this.status);
  }

  get inCoverage(): boolean {
    return this.coverage;
  }

  get sim(): boolean {
    return this.simPresent;
  }

  get lteActive(): boolean {
    return this.modem.functionalMode.lteActive;
  }

  /** 7 LTE-M or 9 NB-IoT, from `%XSYSTEMMODE`. */
  get act(): 7 | 9 {
    const m = this.modem.systemMode;
    if (m.nbIot && (!m.lteM || m.preference === 2 || m.preference === 4)) return 9;
    return 7;
  }

  get cell(): Cell {
    return this.radio.cell;
  }

  get servingPlmn(): string {
    return this.copsMode === 1 && this.manualPlmn ? this.manualPlmn : this.radio.cell.plmn;
  }

  /** The state `+CEREG?` and `+CEREG` notifications report. */
  ceregState(): CeregState {
    const camped = (this.registered || this.status === RegistrationStatus.DENIED) && this.coverage;
    return {
      status: this.status,
      tac: camped ? this.radio.cell.tac : undefined,
      cellId: camped ? this.radio.cell.cellId : undefined,
      act: this.act,
      rejectCause: this.status === RegistrationStatus.DENIED ? this.rejectCause : undefined,
      activeTime: this.powerSaving.granted.activeTime,
      periodicTau: this.powerSaving.granted.periodicTau,
    };
  }

  // ---- control face -------------------------------------------------------------------------

  setCoverage(inCoverage: boolean): void {
    if (inCoverage === this.coverage) return;
    this.coverage = inCoverage;
    if (!inCoverage) {
      if (this.phase.is('registered', 'attaching', 'searching')) this.searchWithoutCoverage();
      return;
    }
    this.cancelOutOfCoverage();
    if (this.phase.is('searching') || (this.lteActive && this.phase.is('off'))) this.start();
  }

  setSignal(signal: Partial<Signal>): void {
    Object.assign(this.radio.signal, signal);
    this.reportCesq();
  }

  /** The network rejects the device with EMM `cause` (e.g. 15 no suitable cells, 11 PLMN not allowed). */
  deny(cause: number): void {
    this.denyCause = cause;
    if (this.phase.is('registered', 'attaching')) {
      this.dropBearers('network');
      this.enterDenied(cause);
    }
  }

  allow(): void {
    this.denyCause = undefined;
    if (this.phase.is('denied') && this.lteActive) this.start();
  }

  setRoaming(roaming: boolean): void {
    if (this.radio.roaming === roaming) return;
    this.radio.roaming = roaming;
    if (this.phase.is('registered')) this.setStatus(this.homeOrRoaming());
  }

  /** The network deactivates the default bearer; the modem sets it up again after a moment. */
  dropPdn(): void {
    if (!this.phase.is('registered') || !this.pdn.get(0)?.active) return;
    this.pdn.deactivate(0);
    this.cgev('NW PDN DEACT 0');
    this.modem.dataPath.setDown('pdn');
    this.schedule(this.profile.timings.pdnReestablishMs, () => this.activateDefaultBearer());
  }

  removeSim(): void {
    if (!this.simPresent) return;
    this.simPresent = false;
    if (this.lteActive) {
      this.detach('sim');
      this.phase.transition('no-sim');
      this.setStatus(RegistrationStatus.UICC_FAILURE);
    }
  }

  insertSim(): void {
    if (this.simPresent) return;
    this.simPresent = true;
    if (this.lteActive) this.start();
  }

  // ---- +COPS ----------------------------------------------------------------------------------

  setAutomatic(): void {
    this.copsMode = 0;
    this.manualPlmn = undefined;
    if (this.lteActive && !this.phase.is('registered', 'attaching', 'searching')) this.start();
  }

  setManual(plmn: string): void {
    this.copsMode = 1;
    this.manualPlmn = plmn;
    if (!this.lteActive) return;
    if (this.phase.is('registered', 'attaching')) this.dropBearers('cops');
    this.start();
  }

  deregister(): void {
    this.copsMode = 2;
    if (this.phase.is('off', 'deregistered')) return;
    this.detach('cops');
    this.phase.transition('deregistered');
  }

  // ---- the registration procedure ---------------------------------------------------------------

  private start(): void {
    this.cancelTimer();
    if (!this.simPresent) {
      this.phase.transition('no-sim');
      this.setStatus(RegistrationStatus.UICC_FAILURE);
      return;
    }
    if (this.copsMode === 2) {
      if (!this.phase.is('deregistered')) this.phase.transition('deregistered');
      return;
    }
    this.phase.transition('searching');
    this.setStatus(RegistrationStatus.SEARCHING);
    if (!this.coverage) {
      this.searchWithoutCoverage();
      return;
    }
    this.schedule(this.profile.timings.searchMs, () => this.cellFound());
  }

  private cellFound(): void {
    if (this.subscriptions.mdmev >= 2) this.modem.notify('%MDMEV: SEARCH STATUS 2');
    const plmn = this.servingPlmn;
    const known = plmn === this.radio.cell.plmn || this.radio.otherNetworks.some((n) => n.plmn === plmn);
    const cause = this.denyCause ?? (known ? undefined : 11);
    if (cause !== undefined) {
      this.enterDenied(cause);
      return;
    }
    this.phase.transition('attaching');
    this.rrc.activity();
    this.schedule(this.profile.timings.attachMs, () => this.attached());
  }

  private attached(): void {
    this.phase.transition('registered');
    this.powerSaving.grant(this.profile.grantPsm);
    this.setStatus(this.homeOrRoaming());
    this.networkTime();
    this.reportEdrx();
    this.activateDefaultBearer();
  }

  private activateDefaultBearer(): void {
    if (!this.phase.is('registered')) return;
    const ctx = this.pdn.activate(0, { ipv4: this.radio.ipv4, ipv6: this.radio.ipv6 });
    this.cgev('ME PDN ACT 0');
    if (ctx.ipv6) this.cgev('IPV6 0');
    this.modem.dataPath.setUp({
      ...(ctx.ipv4 ? { ipv4: ctx.ipv4 } : {}),
      ...(ctx.ipv6 ? { ipv6: ctx.ipv6 } : {}),
    });
  }

  private enterDenied(cause: number): void {
    this.cancelTimer();
    this.rejectCause = cause;
    this.phase.transition('denied');
    this.rrc.reset();
    if ((this.subscriptions.cnec & 16) !== 0) this.modem.notify(`+CNEC_EMM: ${cause}`);
    this.setStatus(RegistrationStatus.DENIED);
  }

  private searchWithoutCoverage(): void {
    this.cancelTimer();
    if (this.phase.is('registered', 'attaching')) {
      this.rrc.reset();
      this.modem.dataPath.setDown('coverage');
      this.powerSaving.clearGrant();
      this.phase.transition('searching');
    }
    this.setStatus(RegistrationStatus.SEARCHING);
    if (!this.outOfCoverageTimer) {
      this.outOfCoverageTimer = this.modem.clock.setTimeout(() => {
        this.outOfCoverageTimer = undefined;
        if (!this.coverage && this.phase.is('searching')) this.setStatus(RegistrationStatus.UNKNOWN);
      }, this.profile.timings.outOfCoverageMs);
    }
  }

  /** Leaves the network: bearers, radio connection and registration are gone. */
  private detach(cause: DetachCause): void {
    this.cancelTimer();
    this.cancelOutOfCoverage();
    const wasAttached = this.phase.is('registered', 'attaching');
    this.powerSaving.clearGrant();
    this.rejectCause = undefined;
    if (!this.phase.is('off')) this.phase.transition('off');
    // A real modem reports the registration change first, then the bearer, then the radio connection.
    this.setStatus(cause === 'sim' ? RegistrationStatus.UICC_FAILURE : RegistrationStatus.NOT_REGISTERED);
    if (wasAttached) this.dropBearers(cause);
    this.rrc.reset();
  }

  private dropBearers(cause: DetachCause): void {
    this.pdn.deactivateAll();
    this.cgev(cause === 'network' ? 'NW DETACH' : 'ME DETACH');
    this.modem.dataPath.setDown(
      cause === 'network' ? 'detach' : cause === 'sim' ? 'sim' : cause === 'cops' ? 'detach' : 'cfun',
    );
  }

  // ---- notifications --------------------------------------------------------------------------

  private setStatus(status: RegistrationStatus): void {
    if (status === this.status) return;
    this.status = status;
    const n = this.subscriptions.cereg;
    if (n > 0) this.modem.notify(`+CEREG: ${ceregFields(n, this.ceregState())}`);
  }

  private homeOrRoaming(): RegistrationStatus {
    return this.radio.roaming ? RegistrationStatus.REGISTERED_ROAMING : RegistrationStatus.REGISTERED_HOME;
  }

  private cgev(event: string): void {
    if (this.subscriptions.cgerep === 1) this.modem.notify(`+CGEV: ${event}`);
  }

  /** NITZ: the network sets the modem clock on registration. */
  private networkTime(): void {
    const now = this.modem.clock.now();
    this.modem.setTime(now, this.radio.timezoneQuarters);
    if (this.subscriptions.xtime === 1) this.modem.notify(formatXtime(now, this.radio.timezoneQuarters));
  }

  private reportEdrx(): void {
    const actType = this.act === 9 ? 5 : 4;
    const request = this.powerSaving.edrxFor(actType);
    if (request?.mode === 2) {
      this.modem.notify(
        `+CEDRXP: ${actType},"${request.value}","${this.radio.edrx.value}","${this.radio.edrx.ptw}"`,
      );
    }
  }

  /** `%CESQ` notifies when a threshold index changes. */
  reportCesq(force = false): void {
    const s = this.radio.signal;
    const line = `%CESQ: ${rsrpIndex(s.rsrp)},${rsrpThresholdIndex(s.rsrp)},${rsrqIndex(s.rsrq)},${rsrqThresholdIndex(s.rsrq)}`;
    const key = `${rsrpThresholdIndex(s.rsrp)},${rsrqThresholdIndex(s.rsrq)}`;
    if (this.subscriptions.cesq === 1 && (force || key !== this.lastCesq)) this.modem.notify(line);
    this.lastCesq = key;
  }

  private schedule(ms: number, fn: () => void): void {
    this.cancelTimer();
    this.timer = this.modem.clock.setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private cancelOutOfCoverage(): void {
    this.outOfCoverageTimer?.cancel();
    this.outOfCoverageTimer = undefined;
  }

  /** Stops every timer (modem shut down). */
  dispose(): void {
    this.cancelTimer();
    this.cancelOutOfCoverage();
    this.rrc.reset();
  }
}
