import type { AtCommand, Handler } from '../../../modem/at/command.js';
import { parseAttestationToken } from '../../../modem/credentials/nrf-messages.js';
import { NCS_VERSION } from '../../boot-banner.js';
import type { SlmContext } from './slm-context.js';
import { slmError } from './slm-errors.js';

/** nrf_modem_build_version() of the modem library NCS v2.5.0 ships. */
export const LIBMODEM_VERSION = '2.5.0';

/**
 * The SLM's generic commands take only the set type: at_cmd_parser gives `AT#XSLMVER` and
 * `AT#XSLMVER=…` that type, and the read and test forms answer ERROR (slm_at_commands.c).
 */
function setOnly(name: string, ref: string, handler: Handler): AtCommand {
  return { name, ref, exec: handler, set: handler };
}

/**
 * `#XSLMVER`: `#XSLMVER: "<NCS version>","<modem library version>"[,"<customer version>"]`
 * (STRINGIFY(NCS_VERSION_STRING) keeps the quotes of the version string).
 */
export function xslmver(slm: SlmContext): AtCommand {
  return setOnly('#XSLMVER', 'SLM Generic_AT_commands.rst #XSLMVER; slm_at_commands.c', () => {
    const customer = slm.config.customerVersion;
    return [`#XSLMVER: "${NCS_VERSION}","${LIBMODEM_VERSION}"${customer ? `,"${customer}"` : ''}`];
  });
}

/**
 * `#XRESET`: `OK`, then after SLM_UART_RESPONSE_DELAY (50 ms) the SLM stops, the modem goes to
 * CFUN=0 and the device resets (sys_reboot); the SLM's `Ready` follows the boot.
 */
export function xreset(slm: SlmContext): AtCommand {
  return setOnly('#XRESET', 'SLM Generic_AT_commands.rst #XRESET; slm_at_commands.c', () => {
    slm.reset();
  });
}

/**
 * `#XUUID`: `#XUUID: <device UUID>`, the UUID `modem_jwt_get_uuids()` reads from the modem (here
 * from the `%ATTESTTOKEN` claims, which carry the same device UUID).
 */
export function xuuid(slm: SlmContext): AtCommand {
  return setOnly('#XUUID', 'SLM Generic_AT_commands.rst #XUUID; slm_at_commands.c', async () => {
    const response = await slm.modem.channel().send('AT%ATTESTTOKEN');
    const token = /^%ATTESTTOKEN: "([A-Za-z0-9_-]+)\./.exec(response.lines[0] ?? '')?.[1];
    if (!response.ok || !token) throw slmError('no attestation token');
    const { deviceUuid } = parseAttestationToken(Buffer.from(token, 'base64url'));
    return [`#XUUID: ${deviceUuid}`];
  });
}

/** `#XCLAC`: the SLM's own commands, one `AT#X…` per line, in its table's order. */
export function xclac(slm: SlmContext): AtCommand {
  return setOnly('#XCLAC', 'SLM Generic_AT_commands.rst #XCLAC; slm_at_commands.c', () => [
    ...slm.commandNames(),
  ]);
}
