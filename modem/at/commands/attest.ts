import { base64url, coseSign1 } from '../../credentials/cose.js';
import { deviceIdentityKey } from '../../credentials/identity-key.js';
import { attestationNonce, attestationToken, deviceTypeOf } from '../../credentials/nrf-messages.js';
import { modemFirmwareUuid } from '../../identity.js';
import type { AtCommand } from '../command.js';

/**
 * `%ATTESTTOKEN`: `%ATTESTTOKEN: "<base64url CBOR claims>.<base64url COSE_Sign1>"`. The claims are
 * `[1, device UUID, device type, modem firmware UUID, nonce]` (as NCS `modem_attest_token_parse()`
 * reads them); the COSE_Sign1 carries no payload and signs the claims with the device identity key.
 */
export const attesttoken: AtCommand = {
  name: '%ATTESTTOKEN',
  ref: 'ncs-behaviour §1.4 %ATTESTTOKEN; NCS lib/modem_attest_token',
  exec: ({ modem }) => {
    const { deviceUuid, hwVersion, firmwareVersion } = modem.identity;
    const token = attestationToken(
      deviceUuid,
      deviceTypeOf(hwVersion),
      modemFirmwareUuid(firmwareVersion),
      attestationNonce(),
    );
    const cose = coseSign1(deviceIdentityKey(deviceUuid).privateKey, null, token);
    return [`%ATTESTTOKEN: "${base64url(token)}.${base64url(cose)}"`];
  },
};
