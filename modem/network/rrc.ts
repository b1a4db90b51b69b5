import type { Clock, TimerHandle } from '../../core/clock.js';
import { trace } from '../../core/trace.js';

export type RrcState = 'idle' | 'connected';
export type SleepState = 'awake' | 'psm';

export interface RrcHooks {
  /** The RRC connection changed (`+CSCON`). */
  rrc(state: RrcState): void;
  /** The modem entered PSM for `sleepMs`, or woke up (`%XMODEMSLEEP`). */
  sleep(state: SleepState, sleepMs: number): void;
  /** The PSM timers in force, when the network granted PSM. */
  psmTimers(): { activeS: number; tauS: number } | undefined;
}

/**
 * The RRC connection and PSM cycle of a registered modem: traffic connects; the inactivity timer
 * releases to idle; with PSM granted, Active-Time (T3324) after release puts the modem to sleep until
 * the periodic TAU (T3412) or new uplink traffic wakes it. All on the Clock.
 */
export class RrcModel {
  private rrcState: RrcState = 'idle';
  private sleepState: SleepState = 'awake';
  private inactivity: TimerHandle | undefined;
  private activeTimer: TimerHandle | undefined;
  private tauTimer: TimerHandle | undefined;
  private releaseAt = 0;

  constructor(
    private readonly owner: string,
    private readonly clock: Clock,
    private readonly timings: { rrcInactivityMs: number; tauConnectionMs: number },
    private readonly hooks: RrcHooks,
  ) {}

  get state(): RrcState {
    return this.rrcState;
  }

  get sleep(): SleepState {
    return this.sleepState;
  }

  /** Uplink or downlink traffic: connect (waking from PSM) and restart the inactivity timer. */
  activity(holdMs = this.timings.rrcInactivityMs): void {
    const releaseAt = this.clock.monotonic() + holdMs;
    if (this.rrcState === 'connected' && this.inactivity && releaseAt >= this.releaseAt) {
      // Busy sockets call this per send: move the deadline and let the pending timer re-arm itself
      // when it fires, instead of replacing a timer each time.
      this.releaseAt = releaseAt;
      return;
    }
    this.wake();
    this.cancel('activeTimer');
    this.setRrc('connected');
    this.releaseAt = releaseAt;
    this.inactivity?.cancel();
    this.inactivity = this.clock.setTimeout(() => this.inactivityExpired(), holdMs);
  }

  private inactivityExpired(): void {
    const left = this.releaseAt - this.clock.monotonic();
    if (left > 0) {
      this.inactivity = this.clock.setTimeout(() => this.inactivityExpired(), left);
      return;
    }
    this.released();
  }

  /** Detach, CFUN or coverage loss: the connection and every timer are gone. */
  reset(): void {
    this.cancel('inactivity');
    this.cancel('activeTimer');
    this.cancel('tauTimer');
    this.setRrc('idle');
    this.wake();
  }

  private released(): void {
    this.inactivity = undefined;
    this.setRrc('idle');
    const psm = this.hooks.psmTimers();
    if (!psm) return;
    this.activeTimer = this.clock.setTimeout(() => this.enterPsm(), psm.activeS * 1000);
  }

  private enterPsm(): void {
    this.activeTimer = undefined;
    const psm = this.hooks.psmTimers();
    if (!psm) return;
    const sleepMs = Math.max(0, psm.tauS - psm.activeS) * 1000;
    this.sleepState = 'psm';
    trace('state', { device: this.owner, machine: 'psm', from: 'awake', to: 'psm' });
    this.hooks.sleep('psm', sleepMs);
    this.tauTimer = this.clock.setTimeout(() => {
      this.tauTimer = undefined;
      // Periodic tracking area update: a short radio connection, then the cycle starts over.
      this.activity(this.timings.tauConnectionMs);
    }, sleepMs);
  }

  private wake(): void {
    this.cancel('tauTimer');
    if (this.sleepState === 'awake') return;
    this.sleepState = 'awake';
    trace('state', { device: this.owner, machine: 'psm', from: 'psm', to: 'awake' });
    this.hooks.sleep('awake', 0);
  }

  private setRrc(state: RrcState): void {
    if (state === this.rrcState) return;
    const from = this.rrcState;
    this.rrcState = state;
    trace('state', { device: this.owner, machine: 'rrc', from, to: state });
    this.hooks.rrc(state);
  }

  private cancel(which: 'inactivity' | 'activeTimer' | 'tauTimer'): void {
    this[which]?.cancel();
    this[which] = undefined;
  }
}
