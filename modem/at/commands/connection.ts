import { rsrpIndex, rsrqIndex, snrIndex } from '../../network/radio.js';
import type { AtCommand } from '../command.js';

/** `+CSCON`: RRC connection state; notifications `+CSCON: <mode>` (0 idle, 1 connected). */
export const cscon: AtCommand = {
  name: '+CSCON',
  ref: 'ncs-behaviour §1.4 +CSCON; 3GPP TS 27.007 §10.1.30',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.cscon = params.int(0, { min: 0, max: 3 });
  },
  read: ({ modem }) => [
    `+CSCON: ${modem.subscriptions.cscon},${modem.network.rrc.state === 'connected' ? 1 : 0}`,
  ],
  test: () => ['+CSCON: (0,1,2,3)'],
};

/** `+CESQ`: signal quality; GSM/UMTS fields are always 99,99,255,255 (spec §1.4). */
export const cesq: AtCommand = {
  name: '+CESQ',
  ref: 'ncs-behaviour §1.4 +CESQ; 3GPP TS 27.007 §8.69',
  exec: ({ modem }) => {
    const net = modem.network;
    if (!net.lteActive || !net.inCoverage || net.registration === 0) return ['+CESQ: 99,99,255,255,255,255'];
    const s = net.radio.signal;
    return [`+CESQ: 99,99,255,255,${rsrqIndex(s.rsrq)},${rsrpIndex(s.rsrp)}`];
  },
  // nRF91 AT ref +CESQ test command: only the E-UTRA fields have values.
  test: () => ['+CESQ: (99),(99),(255),(255),(0-34,255),(0-97,255)'],
};

/** `%CESQ=1`: signal quality notifications when a threshold index changes. */
export const xcesq: AtCommand = {
  name: '%CESQ',
  ref: 'ncs-behaviour §1.4 %CESQ',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.cesq = params.oneOf(0, [0, 1]);
    if (modem.subscriptions.cesq === 1 && modem.network.registered) modem.reportSignalQuality();
  },
};

/**
 * `%XMONITOR`: `%XMONITOR: <reg_status>[,<full_name>,<short_name>,<plmn>,<tac>,<AcT>,<band>,<cell_id>,
 * <phys_cell_id>,<EARFCN>,<rsrp>,<snr>,<NW-provided_eDRX_value>,<Active-Time>,<Periodic-TAU-ext>,
 * <Periodic-TAU>]`, the optional part only while registered (1 or 5).
 */
export const xmonitor: AtCommand = {
  name: '%XMONITOR',
  ref: 'ncs-behaviour §1.4 %XMONITOR',
  exec: ({ modem }) => {
    const net = modem.network;
    if (!net.registered) return [`%XMONITOR: ${net.registration}`];
    const c = net.cell;
    const s = net.radio.signal;
    const ps = net.powerSaving;
    const edrx = ps.edrxFor(net.act === 9 ? 5 : 4) ? net.radio.edrx.value : '';
    const legacyTau = ps.granted.periodicTau === '11100000' ? '11100000' : '01001001';
    return [
      `%XMONITOR: ${net.registration},"${c.longName}","${c.shortName}","${net.servingPlmn}","${c.tac}",${net.act},${c.band},` +
        `"${c.cellId}",${c.physicalCellId},${c.earfcn},${rsrpIndex(s.rsrp)},${snrIndex(s.snr)},"${edrx}",` +
        `"${ps.granted.activeTime}","${ps.granted.periodicTau}","${legacyTau}"`,
    ];
  },
};
