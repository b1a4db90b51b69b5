import { ErrorCode, SimError } from '../../core/errors.js';
import { ConnectivityStatistics } from './connectivity-stats.js';
import { NeighbourSearch, type NeighbourSearchType } from './neighbours.js';
import type { Signal } from './radio.js';
import { RegistrationProcedure } from './registration.js';
import type { SleepState } from './rrc.js';
import { TauWarningTimer } from './tau-warning.js';
import { DEFAULT_SYSTEM_MODE, RegistrationStatus, type NetworkDeps, type NetworkProfile } from './types.js';

/**
 * LTE registration, the bearers and the radio connection, driven by `+CFUN`, `+COPS`, `+CGATT` and the
 * control face (coverage, signal, denial, roaming, PDN drop, SIM removal). It speaks no AT: every
 * change is a typed event (`NetworkEvents`) that modem/at/urc formats as the real modem's
 * notifications, and failures are SimErrors the AT edge maps to CME codes.
 */
export class NetworkService extends RegistrationProcedure {
  readonly statistics = new ConnectivityStatistics();
  readonly neighbourSearch: NeighbourSearch;
  private readonly tauWarning: TauWarningTimer;
  private uiccWasReady = false;

  constructor(deps: NetworkDeps, profile: NetworkProfile) {
    super(deps, profile);
    this.neighbourSearch = new NeighbourSearch(
      deps.owner,
      deps.clock,
      profile.timings.neighbourSearchMs,
      (r) => this.emit('neighbour-search', r),
    );
    this.tauWarning = new TauWarningTimer(deps.clock, (ms) => this.emit('t3412-remaining', ms));
    deps.functionalMode.on('change', (parts, previous) => {
      this.uiccChanged();
      if (parts.lte && !previous.lte) this.start();
      if (!parts.lte && previous.lte) this.detach('cfun');
    });
    deps.dataPath.on('activity', () => {
      if (this.phase.is('registered')) this.rrc.activity();
    });
    deps.dataPath.on('traffic', (direction, bytes) => this.statistics.count(direction, bytes));
  }

  /** The UICC is powered and a SIM answers (`%XSIM: 1`). */
  get uiccReady(): boolean {
    return this.deps.functionalMode.uiccActive && this.simPresent;
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
    this.emit('signal', { ...this.radio.signal });
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
    if (!this.phase.is('registered') || !this.bearers.defaultActive) return;
    this.bearers.dropDefault();
    this.schedule(this.profile.timings.pdnReestablishMs, () => this.activateDefaultBearer());
  }

  removeSim(): void {
    if (!this.simPresent) return;
    this.simPresent = false;
    this.uiccChanged();
    if (this.lteActive) {
      this.detach('sim');
      this.phase.transition('no-sim');
      this.setStatus(RegistrationStatus.UICC_FAILURE);
    }
  }

  insertSim(): void {
    if (this.simPresent) return;
    this.simPresent = true;
    this.uiccChanged();
    if (this.lteActive) this.start();
  }

  // ---- +COPS, +CGATT, %NCELLMEAS, %PERIODICSEARCHCONF ---------------------------------------------

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
    this.leave();
  }

  /** `+CGATT=1`: attach again after `+CGATT=0` (the modem attaches by itself otherwise). */
  attachPacketDomain(): void {
    this.psDetached = false;
    if (this.lteActive && this.phase.is('deregistered', 'off')) this.start();
  }

  /** `+CGATT=0`: detach and stay detached. */
  detachPacketDomain(): void {
    this.psDetached = true;
    this.leave();
  }

  /**
   * `+COPS=?`: the networks a search finds now (the serving one marked current while registered).
   * A search cannot run during a radio connection (NETWORK_RADIO_BUSY).
   */
  scanNetworks(): Array<{ plmn: string; current: boolean }> {
    if (this.rrc.state === 'connected') {
      throw new SimError(ErrorCode.NETWORK_RADIO_BUSY, 'no network search during a radio connection');
    }
    if (!this.coverage) return [];
    return [this.radio.cell.plmn, ...this.radio.otherNetworks.map((n) => n.plmn)].map((plmn) => ({
      plmn,
      current: this.registered && plmn === this.servingPlmn,
    }));
  }

  /** `%PERIODICSEARCHCONF=3`: search now when the modem is looking for a network. */
  searchNow(): void {
    if (this.phase.is('searching') && this.coverage) this.schedule(0, () => this.cellFound());
  }

  startNeighbourSearch(type: NeighbourSearchType, gciCount: number): boolean {
    return this.neighbourSearch.start(type, gciCount, {
      camped: () => this.camped,
      timingAdvance: () => (this.rrc.state === 'connected' ? this.radio.timingAdvance : undefined),
      cell: this.radio.cell,
      signal: this.radio.signal,
      neighbours: this.radio.neighbours,
    });
  }

  /**
   * `%XFACTORYRESET` (LTE off): the settings a device writes go back to factory values — system mode,
   * band lock, PSM and eDRX requests, the other network settings, PDP contexts, operator selection.
   */
  factoryReset(): void {
    this.config.reset();
    this.systemMode = { ...DEFAULT_SYSTEM_MODE };
    this.powerSaving.reset();
    this.bearers.reset();
    this.copsMode = 0;
    this.copsFormat = 2;
    this.manualPlmn = undefined;
    this.psDetached = false;
  }

  /** Stops every timer (modem shut down). */
  dispose(): void {
    this.cancelTimer();
    this.cancelOutOfCoverage();
    this.tauWarning.cancel();
    this.neighbourSearch.dispose();
    this.rrc.reset();
  }

  protected override detached(): void {
    this.neighbourSearch.abort();
  }

  protected override sleepChanged(state: SleepState, ms: number): void {
    super.sleepChanged(state, ms);
    this.tauWarning.sleepChanged(state === 'psm', ms, this.config.tauPreWarning);
  }

  private uiccChanged(): void {
    const ready = this.uiccReady;
    if (ready === this.uiccWasReady) return;
    this.uiccWasReady = ready;
    this.emit('uicc', ready);
  }
}
