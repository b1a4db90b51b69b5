import type { AtCommand } from '../command.js';
import { attesttoken } from './attest.js';
import { cfun } from './cfun.js';
import { cclk } from './clock.js';
import { cmng } from './cmng.js';
import { cesq, cscon, xcesq, xmonitor } from './connection.js';
import { cnec, mdmev, xtime } from './events.js';
import { attention, cmee, echo } from './general.js';
import { cgmi, cgmm, cgmr, cgsn, hwversion, shortswver, xmodemuuid } from './identity.js';
import { keygen } from './keygen.js';
import { cedrxrdp, cedrxs, cpsms, xmodemsleep } from './power-saving.js';
import { cgact, cgdcont, cgerep, cgpaddr } from './pdp.js';
import { cereg, cops } from './registration.js';
import { xtemp, xvbat } from './sensors.js';
import { cimi, cpin, xiccid } from './sim.js';
import { xsystemmode } from './system-mode.js';

/** Every command a freshly booted modem understands. */
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
  ];
}
