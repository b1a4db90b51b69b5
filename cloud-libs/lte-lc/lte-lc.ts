import type { DeviceModem } from '../../modem/device-modem.js';

/** `+CEREG` `<stat>` values that mean registered: 1 home, 5 roaming. */
const REGISTERED = new Set([1, 5]);

/** `<stat>` of a `+CEREG` notification (`+CEREG: <stat>,…`) or read answer (`+CEREG: <n>,<stat>,…`). */
function registrationStatus(line: string, leadingN: boolean): number | undefined {
  const m = /^\+CEREG: ?(.*)$/.exec(line.trim());
  if (!m?.[1]) return undefined;
  const fields = m[1].split(',');
  const stat = Number(fields[leadingN ? 1 : 0]);
  return Number.isInteger(stat) ? stat : undefined;
}

/**
 * The Kconfig requests `lte_lc_init` sends before it connects: CONFIG_LTE_PSM_REQ with
 * CONFIG_LTE_PSM_REQ_RPTAU / _RAT (`AT+CPSMS=1,,,"<rptau>","<rat>"`) and CONFIG_LTE_EDRX_REQ with
 * CONFIG_LTE_EDRX_REQ_VALUE_LTE_M (`AT+CEDRXS=2,4,"<value>"`). Timer strings are 3GPP bit strings.
 */
export interface LteLcConfig {
  psm?: { periodicTau: string; activeTime: string };
  edrx?: { ltem: string };
}

/**
 * `lte_lc_init_and_connect()` of NCS `lte_link_control`: subscribes to registration notifications
 * (`AT+CEREG=5`, as lte_lc's init does), sets `AT+CFUN=1` and resolves once the modem reports it is
 * registered, home or roaming (`+CEREG: 1` or `5`). The default bearer is active by then: the
 * modem activates it with the attach. Rejects when an AT command fails.
 */
export async function lteLcInitAndConnect(modem: DeviceModem, config: LteLcConfig = {}): Promise<void> {
  let done: () => void = () => {};
  const registered = new Promise<void>((resolve) => (done = resolve));
  const monitor = modem.monitor('+CEREG', (line) => {
    const stat = registrationStatus(line, false);
    if (stat !== undefined && REGISTERED.has(stat)) done();
  });
  try {
    const at = modem.channel();
    if (config.psm) await at.command(`AT+CPSMS=1,,,"${config.psm.periodicTau}","${config.psm.activeTime}"`);
    if (config.edrx) await at.command(`AT+CEDRXS=2,4,"${config.edrx.ltem}"`);
    await at.command('AT+CEREG=5');
    const [now] = await at.command('AT+CEREG?');
    const stat = now === undefined ? undefined : registrationStatus(now, true);
    if (stat !== undefined && REGISTERED.has(stat)) return;
    await at.command('AT+CFUN=1');
    await registered;
  } finally {
    monitor.remove();
  }
}
