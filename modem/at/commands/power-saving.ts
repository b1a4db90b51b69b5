import { DEFAULT_EDRX_VALUE, DEFAULT_PSM_REQUEST } from '../../network/power-saving.js';
import { isTimerBits } from '../../network/timers.js';
import type { Params } from '../parser.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

function timerBits(params: Params, index: number, fallback: string): string {
  const v = params.optionalString(index);
  if (v === undefined) return fallback;
  if (!isTimerBits(v)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
  return v;
}

/**
 * `+CPSMS=[<mode>[,<RAU>,<READY>,<Requested_Periodic-TAU>[,<Requested_Active-Time>]]]`: request PSM.
 * RAU/READY are ignored; an empty `AT+CPSMS=` disables PSM and resets the timers (spec §1.4).
 */
export const cpsms: AtCommand = {
  name: '+CPSMS',
  ref: 'ncs-behaviour §1.4 +CPSMS; 3GPP TS 27.007 §7.38',
  set: ({ modem, params }) => {
    params.count(0, 5);
    const ps = modem.network.powerSaving;
    if (!params.has(0)) {
      ps.psm = { ...DEFAULT_PSM_REQUEST };
      return;
    }
    const mode = params.oneOf(0, [0, 1, 2]);
    if (mode === 2) {
      ps.psm = { ...DEFAULT_PSM_REQUEST };
      return;
    }
    ps.psm = {
      mode,
      periodicTau: timerBits(params, 3, ps.psm.periodicTau),
      activeTime: timerBits(params, 4, ps.psm.activeTime),
    };
  },
  read: ({ modem }) => {
    const { mode, periodicTau, activeTime } = modem.network.powerSaving.psm;
    return [`+CPSMS: ${mode},,,"${periodicTau}","${activeTime}"`];
  },
};

/**
 * `+CEDRXS=[<mode>[,<AcT-type>[,"<eDRX>"]]]`: 0 off, 1 on, 2 on with `+CEDRXP` notifications, 3 off and
 * discard the parameters; AcT-type 4 LTE-M, 5 NB-IoT. Modes 0 and 3 may leave out the AcT type and
 * then apply to both (NCS lte_lc sends `AT+CEDRXS=3`). A change puts `%XPTW` back to its default.
 * Read `+CEDRXS: 4,"1001"` per enabled AcT.
 */
export const cedrxs: AtCommand = {
  name: '+CEDRXS',
  ref: 'ncs-behaviour §1.4 +CEDRXS; 3GPP TS 27.007 §7.40',
  set: ({ modem, params }) => {
    params.count(0, 3);
    const ps = modem.network.powerSaving;
    const ptw = modem.network.config.requestedPtw;
    if (!params.has(0)) {
      ps.edrx.clear();
      ptw.clear();
      return;
    }
    const mode = params.oneOf(0, [0, 1, 2, 3]);
    if (!params.has(1) && (mode === 0 || mode === 3)) {
      if (params.has(2)) throw AtError.syntax('eDRX value without AcT type');
      if (mode === 3) ps.edrx.clear();
      else for (const [act, r] of ps.edrx) ps.edrx.set(act, { ...r, mode: 0 });
      ptw.clear();
      return;
    }
    const act = params.oneOf(1, [4, 5] as const);
    const value = params.optionalString(2) ?? ps.edrx.get(act)?.value ?? DEFAULT_EDRX_VALUE;
    if (!/^[01]{4}$/.test(value)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    if (mode === 3) ps.edrx.delete(act);
    else ps.edrx.set(act, { mode, value });
    ptw.delete(act);
  },
  read: ({ modem }) => {
    const lines = [...modem.network.powerSaving.edrx.entries()]
      .filter(([, r]) => r.mode !== 0)
      .sort((a, b) => a[0] - b[0])
      .map(([act, r]) => `+CEDRXS: ${act},"${r.value}"`);
    return lines.length > 0 ? lines : ['+CEDRXS: '];
  },
  // nRF91 AT ref +CEDRXS test command: the AcT types as a range.
  test: () => ['+CEDRXS: (0-3),(4-5),("0000"-"1111")'],
};

/** `+CEDRXRDP`: eDRX parameters in use, `+CEDRXRDP: <AcT>,"<requested>","<network>","<PTW>"`. */
export const cedrxrdp: AtCommand = {
  name: '+CEDRXRDP',
  ref: '3GPP TS 27.007 §7.41',
  exec: ({ modem }) => {
    const net = modem.network;
    const act = net.act === 9 ? 5 : 4;
    const req = net.powerSaving.edrxFor(act);
    if (!net.registered || !req) return ['+CEDRXRDP: 0'];
    return [`+CEDRXRDP: ${act},"${req.value}","${net.radio.edrx.value}","${net.ptw}"`];
  },
};

/** `%XMODEMSLEEP=<n>[,<warning>,<threshold>]`: notifications when the modem enters and leaves PSM. */
export const xmodemsleep: AtCommand = {
  name: '%XMODEMSLEEP',
  ref: 'nRF91 AT ref %XMODEMSLEEP',
  set: ({ modem, params }) => {
    params.count(1, 3);
    modem.subscriptions.xmodemsleep = params.oneOf(0, [0, 1]);
    params.optionalInt(1, { min: 0 });
    params.optionalInt(2, { min: 0 });
  },
  read: ({ modem }) => [`%XMODEMSLEEP: ${modem.subscriptions.xmodemsleep}`],
};
