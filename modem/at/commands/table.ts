import type { AtCommand } from '../command.js';
import { attesttoken } from './attest.js';
import { xbandlock, xcband } from './bands.js';
import { xpofwarn, xtemphighlvl, xvbatlowlvl, xvbatlvl } from './battery.js';
import { ceer } from './ceer.js';
import { clac } from './clac.js';
import { coneval } from './coneval.js';
import { xconnstat } from './connstat.js';
import { xdataprfl } from './data-profile.js';
import { xfactoryreset } from './factory-reset.js';
import { xmodemtrace } from './modem-trace.js';
import { ncellmeas, ncellmeasstop } from './ncellmeas.js';
import { xnettime } from './network-time.js';
import { xoperid } from './operator.js';
import { cgatt, cgcontrdp } from './packet-attach.js';
import { periodicsearchconf } from './periodic-search.js';
import { xptw } from './ptw.js';
import { rai, xrai } from './rai.js';
import { crsmCommand, csimCommand } from './sim-access.js';
import { xcoex0, xmagpio } from './sip-pins.js';
import { xsnrsq } from './snr.js';
import { xt3412 } from './t3412.js';
import { cfun } from './cfun.js';
import { cclk } from './clock.js';
import { cmng } from './cmng.js';
import { cesq, cscon, xcesq, xmonitor } from './connection.js';
import { cnec, mdmev, xtime } from './events.js';
import { attention, cmee, echo } from './general.js';
import { cgmi, cgmm, cgmr, cgsn, deviceuuid, hwversion, shortswver, xmodemuuid } from './identity.js';
import { keygen } from './keygen.js';
import { cedrxrdp, cedrxs, cpsms, xmodemsleep } from './power-saving.js';
import { cgact, cgdcont, cgerep, cgpaddr } from './pdp.js';
import { cereg, cops } from './registration.js';
import { xtemp, xvbat } from './sensors.js';
import { cimi, cpin, xiccid, xsim } from './sim.js';
import { xsystemmode } from './system-mode.js';

/** Every command a freshly booted modem understands (applications register more while they run). */
export function defaultCommands(): AtCommand[] {
  return [
    attention,
    echo,
    cmee,
    cgmi,
    cgmm,
    cgmr,
    cgsn,
    hwversion,
    shortswver,
    xmodemuuid,
    cimi,
    xiccid,
    cpin,
    cfun,
    cclk,
    xtemp,
    xvbat,
    cmng,
    keygen,
    attesttoken,
    cereg,
    cops,
    cscon,
    cesq,
    xcesq,
    xmonitor,
    xsystemmode,
    cgdcont,
    cgact,
    cgpaddr,
    cgerep,
    cpsms,
    cedrxs,
    cedrxrdp,
    xmodemsleep,
    cnec,
    mdmev,
    xtime,
    clac,
    deviceuuid,
    xsim,
    crsmCommand,
    csimCommand,
    xoperid,
    xconnstat,
    coneval,
    ncellmeas,
    ncellmeasstop,
    xsnrsq,
    xcband,
    xbandlock,
    xdataprfl,
    xnettime,
    cgatt,
    cgcontrdp,
    ceer,
    xrai,
    rai,
    xptw,
    xt3412,
    periodicsearchconf,
    xpofwarn,
    xvbatlowlvl,
    xvbatlvl,
    xtemphighlvl,
    xfactoryreset,
    xmodemtrace,
    xcoex0,
    xmagpio,
  ];
}
