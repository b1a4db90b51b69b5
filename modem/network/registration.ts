import type { TimerHandle } from '../../core/clock.js';
import { TypedEmitter } from '../../core/events.js';
import { StateMachine } from '../../core/state-machine.js';
import { Bearers } from './bearers.js';
import { NetworkConfig } from './config.js';
import type { Initiator, NetworkEvents } from './events.js';
import { PowerSaving } from './power-saving.js';
import type { Cell, RadioProfile } from './radio.js';
import { RrcModel, type SleepState } from './rrc.js';
import {
  DEFAULT_SYSTEM_MODE,
  RegistrationStatus,
  isRegistered,
  type CeregState,
  type NetworkDeps,
  type NetworkProfile,
  type SystemMode,
} from './types.js';

export type RegistrationPhase =
  'off' | 'searching' | 'attaching' | 'registered' | 'denied' | 'no-sim' | 'deregistered';

const PHASES: Record<RegistrationPhase, readonly RegistrationPhase[]> = {
  off: ['searching', 'no-sim', 'deregistered'],
  searching: ['off', 'attaching', 'denied', 'no-sim', 'deregistered'],
  attaching: ['off', 'registered', 'searching', 'denied', 'no-sim', 'deregistered'],
  registered: ['off', 'searching', 'denied', 'no-sim', 'deregistered'],
  denied: ['off', 'searching', 'no-sim', 'deregistered'],
  'no-sim': ['off', 'searching', 'deregistered'],
  deregistered: ['off', 'searching', 'no-sim'],
};

/** Why the modem left the network, for `+CGEV` and the data path. */
export type DetachCause = 'cfun' | 'cops' | 'network' | 'sim';

/**
 * The EPS registration procedure on the modem's clock: search, attach, the default bearer, denial,
 * coverage loss and detach, each step reported as a typed event. {@link NetworkService} adds the
 * faces that drive it (AT commands and the control face).
 */
export class RegistrationProcedure extends TypedEmitter<NetworkEvents> {
  readonly radio: RadioProfile;
  readonly bearers: Bearers;
  readonly powerSaving = new PowerSaving();
  readonly config = new NetworkConfig();
  readonly rrc: RrcModel;
  readonly phase: StateMachine<RegistrationPhase>;
  /** `%XSYSTEMMODE`: which radio access technologies `+CFUN=1` enables (DK default: LTE-M + GNSS). */
  systemMode: SystemMode = { ...DEFAULT_SYSTEM_MODE };
  /** `+COPS` mode: 0 automatic, 1 manual, 2 deregistered. */
  copsMode: 0 | 1 | 2 = 0;
  copsFormat: 0 | 1 | 2 = 2;
  manualPlmn: string | undefined;
  /** The last failure `+CEER` reports: a network reject cause and the protocol that carried it. */
  lastFailure: { module: 'EMM' | 'ESM' | 'UICC'; cause: number } | undefined;
  /** `+CGATT=0` keeps the modem detached until `+CGATT=1`. */
  protected psDetached = false;
  protected status: RegistrationStatus = RegistrationStatus.NOT_REGISTERED;
  protected coverage = true;
  protected simPresent = true;
  protected denyCause: number | undefined;
  protected rejectCause: number | undefined;
  protected timer: TimerHandle | undefined;
  protected outOfCoverageTimer: TimerHandle | undefined;

  constructor(
    protected readonly deps: NetworkDeps,
    protected readonly profile: NetworkProfile,
  ) {
    super();
    this.radio = structuredClone(profile.radio);
    this.bearers = new Bearers(this.radio, deps.dataPath, (e) => this.emit('pdn', e));
    this.phase = new StateMachine<RegistrationPhase>('registration', 'off', PHASES, deps.owner);
    this.rrc = new RrcModel(deps.owner, deps.clock, profile.timings, {
      rrc: (state) => this.emit('rrc', state),
      sleep: (state, ms) => this.sleepChanged(state, ms),
      psmTimers: () => this.powerSaving.psmTimers,
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
    return this.deps.functionalMode.lteActive;
  }

  /** Camped on a cell: LTE on, in coverage, and a cell found (registered, attaching or denied). */
  get camped(): boolean {
    return this.lteActive && this.coverage && this.phase.is('registered', 'attaching', 'denied');
  }

  /** 7 LTE-M or 9 NB-IoT, from `%XSYSTEMMODE`. */
  get act(): 7 | 9 {
    const m = this.systemMode;
    if (m.nbIot && (!m.lteM || m.preference === 2 || m.preference === 4)) return 9;
    return 7;
  }

  get cell(): Cell {
    return this.radio.cell;
  }

  get servingPlmn(): string {
    return this.copsMode === 1 && this.manualPlmn ? this.manualPlmn : this.radio.cell.plmn;
  }

  /** The paging time window in use: the requested one (`%XPTW`) or the network's. */
  get ptw(): string {
    return this.config.requestedPtw.get(this.act === 9 ? 5 : 4) ?? this.radio.edrx.ptw;
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

  // ---- the registration procedure ---------------------------------------------------------------

  protected start(): void {
    this.cancelTimer();
    if (!this.simPresent) {
      this.phase.transition('no-sim');
      this.setStatus(RegistrationStatus.UICC_FAILURE);
      return;
    }
    if (this.copsMode === 2 || this.psDetached) {
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

  protected cellFound(): void {
    // A band lock that excludes the serving cell's band leaves nothing to camp on.
    if (!this.config.bandAllowed(this.radio.cell.band)) return;
    this.emit('modem-event', 'search-done');
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

  protected attached(): void {
    this.phase.transition('registered');
    this.powerSaving.grant(this.profile.grantPsm);
    this.setStatus(this.homeOrRoaming());
    this.networkTime();
    this.reportEdrx();
    this.activateDefaultBearer();
    if (this.config.rai === 2) this.reportRai();
  }

  /** `%RAI=2`: the serving cell's release assistance configuration (AS-RAI on LTE-M, CP-RAI on NB-IoT). */
  reportRai(): void {
    const c = this.radio.cell;
    this.emit('rai', {
      cellId: c.cellId,
      plmn: this.servingPlmn,
      asRai: this.act === 7,
      cpRai: this.act === 9,
    });
  }

  protected activateDefaultBearer(): void {
    if (this.phase.is('registered')) this.bearers.activateDefault();
  }

  protected enterDenied(cause: number): void {
    this.cancelTimer();
    this.rejectCause = cause;
    this.lastFailure = { module: 'EMM', cause };
    this.phase.transition('denied');
    this.rrc.reset();
    this.emit('network-reject', { domain: 'emm', cause });
    this.setStatus(RegistrationStatus.DENIED);
  }

  protected searchWithoutCoverage(): void {
    this.cancelTimer();
    if (this.phase.is('registered', 'attaching')) {
      this.rrc.reset();
      this.deps.dataPath.setDown('coverage');
      this.powerSaving.clearGrant();
      this.phase.transition('searching');
    }
    this.setStatus(RegistrationStatus.SEARCHING);
    if (!this.outOfCoverageTimer) {
      this.outOfCoverageTimer = this.deps.clock.setTimeout(() => {
        this.outOfCoverageTimer = undefined;
        if (!this.coverage && this.phase.is('searching')) this.setStatus(RegistrationStatus.UNKNOWN);
      }, this.profile.timings.outOfCoverageMs);
    }
  }

  /** `+COPS=2` / `+CGATT=0`: detach into the deregistered phase. */
  protected leave(): void {
    if (this.phase.is('off', 'deregistered')) return;
    this.detach('cops');
    this.phase.transition('deregistered');
  }

  /** Leaves the network: bearers, radio connection and registration are gone. */
  protected detach(cause: DetachCause): void {
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
    this.detached();
  }

  /** After a detach (subclasses stop what needs the radio). */
  protected detached(): void {}

  protected dropBearers(cause: DetachCause): void {
    const by: Initiator = cause === 'network' ? 'network' : 'me';
    this.bearers.dropAll(by, cause === 'network' || cause === 'cops' ? 'detach' : cause);
  }

  // ---- what the modem reports -------------------------------------------------------------------

  protected setStatus(status: RegistrationStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.emit('registration', this.ceregState());
  }

  protected homeOrRoaming(): RegistrationStatus {
    return this.radio.roaming ? RegistrationStatus.REGISTERED_ROAMING : RegistrationStatus.REGISTERED_HOME;
  }

  /** NITZ: the network sets the modem clock on registration (unless `%XNETTIME=0`). */
  protected networkTime(): void {
    if (!this.config.networkTime) return;
    const now = this.deps.clock.now();
    this.deps.time.set(now, this.radio.timezoneQuarters);
    this.emit('network-time', now, this.radio.timezoneQuarters);
  }

  protected reportEdrx(): void {
    const actType = this.act === 9 ? 5 : 4;
    const request = this.powerSaving.edrxFor(actType);
    if (!request) return;
    this.emit('edrx', {
      actType,
      mode: request.mode,
      requested: request.value,
      provided: this.radio.edrx.value,
      ptw: this.ptw,
    });
  }

  protected schedule(ms: number, fn: () => void): void {
    this.cancelTimer();
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      fn();
    }, ms);
  }

  protected cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  protected cancelOutOfCoverage(): void {
    this.outOfCoverageTimer?.cancel();
    this.outOfCoverageTimer = undefined;
  }

  /** The modem entered PSM for `ms`, or woke up. */
  protected sleepChanged(state: SleepState, ms: number): void {
    this.emit('sleep', state, ms);
  }
}
