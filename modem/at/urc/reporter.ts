import type { NetworkService } from '../../network/network.js';
import type { Signal } from '../../network/radio.js';
import type { ModemSensors } from '../../sensors.js';
import { ceregFields, cesqKey, formatCesq, formatCgev, formatXtime } from './format.js';
import { formatNcellmeas } from './ncellmeas-format.js';
import { formatXsnrsqNotification, snrThresholdIndex } from './signal-format.js';
import type { UrcSubscriptions } from './subscriptions.js';

/**
 * `+CNEC` bits (3GPP TS 27.007 §9.1B, nRF91 AT ref +CNEC): 8 reports EMM causes, 16 ESM causes, as
 * NCS lib/pdn subscribes `AT+CNEC=16` for `+CNEC_ESM`.
 */
export const CNEC_EMM = 8;
export const CNEC_ESM = 16;

export interface UrcSources {
  network: NetworkService;
  sensors: ModemSensors;
  subscriptions: UrcSubscriptions;
  notify(line: string): void;
}

/**
 * Turns the network model's and the sensors' typed events into the notification lines a real
 * nRF9160 sends, for what is subscribed. The only place where those events become AT text.
 */
export class UrcReporter {
  private lastCesq: string | undefined;
  private lastSnr: number | undefined;

  constructor(private readonly src: UrcSources) {
    const { network: net, sensors, subscriptions: sub } = src;
    const say = (line: string): void => src.notify(line);
    this.lastSnr = snrThresholdIndex(net.radio.signal.snr);
    net.on('registration', (state) => {
      if (sub.cereg > 0) say(`+CEREG: ${ceregFields(sub.cereg, state)}`);
    });
    net.on('rrc', (state) => {
      if (sub.cscon > 0) say(`+CSCON: ${state === 'connected' ? 1 : 0}`);
    });
    net.on('sleep', (state, ms) => {
      if (sub.xmodemsleep > 0) say(`%XMODEMSLEEP: 1,${state === 'psm' ? ms : 0}`);
    });
    net.on('pdn', (event) => {
      if (sub.cgerep === 1) say(formatCgev(event));
    });
    net.on('modem-event', (event) => {
      if (event === 'search-done' && sub.mdmev >= 2) say('%MDMEV: SEARCH STATUS 2');
    });
    net.on('network-reject', (r) => {
      if (r.domain === 'emm' && (sub.cnec & CNEC_EMM) !== 0) say(`+CNEC_EMM: ${r.cause}`);
      if (r.domain === 'esm' && (sub.cnec & CNEC_ESM) !== 0)
        say(`+CNEC_ESM: ${r.cause}${r.cid === undefined ? '' : `,${r.cid}`}`);
    });
    net.on('network-time', (epochMs, tz) => {
      if (sub.xtime === 1) say(formatXtime(epochMs, tz));
    });
    net.on('edrx', (u) => {
      if (u.mode === 2) say(`+CEDRXP: ${u.actType},"${u.requested}","${u.provided}","${u.ptw}"`);
    });
    net.on('signal', (signal) => this.signalChanged(signal, false));
    net.on('uicc', (ready) => {
      if (sub.xsim === 1) say(`%XSIM: ${ready ? 1 : 0}`);
    });
    net.on('neighbour-search', (result) => say(formatNcellmeas(result)));
    net.on('rai', (u) => say(`%RAI: "${u.cellId}","${u.plmn}",${Number(u.asRai)},${Number(u.cpRai)}`));
    net.on('t3412-remaining', (ms) => {
      if (sub.xt3412 === 1) say(`%XT3412: ${ms}`);
    });
    sensors.on('temperature-level', (level, c) => {
      if (sub.xtemp === 1) say(`%XTEMP: ${level},${c}`);
    });
    sensors.on('overheated', () => {
      if (sub.mdmev >= 1) say('%MDMEV: ME OVERHEATED');
    });
    sensors.on('battery-low', () => {
      if (sub.mdmev >= 1) say('%MDMEV: ME BATTERY LOW');
    });
    sensors.on('battery-below-low-level', (mv) => {
      if (sub.xvbatlvl === 1) say(`%XVBATLOWLVL: ${mv}`);
    });
  }

  /**
   * `%CESQ` (and `%XSNRSQ`) notify when a threshold index changes; `force` reports the current one
   * (subscribing while registered).
   */
  signalChanged(signal: Signal, force: boolean): void {
    const sub = this.src.subscriptions;
    const key = cesqKey(signal);
    if (sub.cesq === 1 && (force || key !== this.lastCesq)) this.src.notify(formatCesq(signal));
    this.lastCesq = key;
    const snr = snrThresholdIndex(signal.snr);
    if (sub.xsnrsq === 1 && !force && this.lastSnr !== undefined && snr !== this.lastSnr) {
      this.src.notify(formatXsnrsqNotification(signal));
    }
    this.lastSnr = snr;
  }

  /** A subscription made while registered reports the signal at once (`%CESQ=1`). */
  reportSignalQuality(): void {
    this.signalChanged(this.src.network.radio.signal, true);
  }
}
