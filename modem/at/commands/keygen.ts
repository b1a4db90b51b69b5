import { ErrorCode, isSimError } from '../../../core/errors.js';
import { coseSign1, base64url } from '../../credentials/cose.js';
import {
  buildCsr,
  DEFAULT_KEY_USAGE,
  generateP256Key,
  importP256Key,
  parseKeyUsage,
  parseSubjectAttributes,
  keyPairSpkiDer,
} from '../../credentials/csr.js';
import { deviceIdentityKey } from '../../credentials/identity-key.js';
import { attestationNonce, keygenPayload, NrfMessageType } from '../../credentials/nrf-messages.js';
import { SEC_TAG_MAX } from '../../credentials/types.js';
import type { AtContext } from '../context.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import type { Params } from '../parser.js';
import { credentialAtError, requireLteInactive } from './cmng.js';

/** `<key_usage>` as a quoted string (`"101010000"`) or bare digits. */
function keyUsageText(params: Params, index: number): string {
  const p = params.list[index];
  if (p?.kind === 'string' || p?.kind === 'token') return p.value;
  return DEFAULT_KEY_USAGE;
}

function parameter<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (isSimError(err, ErrorCode.CREDENTIAL_INVALID))
      throw new AtError(CmeError.INCORRECT_PARAMETERS, err.message);
    throw err;
  }
}

/** A client key: a fresh key pair stored at `(tag, 2)`; the answer is a CSR or the public key. */
async function clientKey(modem: AtContext, tag: number, format: 0 | 1, params: Params): Promise<Buffer> {
  const subject = parameter(() =>
    params.has(3) ? parseSubjectAttributes(params.string(3)) : [{ CN: [modem.identity.deviceUuid] }],
  );
  const usage = parameter(() => parseKeyUsage(keyUsageText(params, 4)));
  requireLteInactive(modem);
  const key = await generateP256Key();
  const der = format === 0 ? await buildCsr(key.keys, subject, usage) : await keyPairSpkiDer(key.keys);
  await modem.credentials.put({ secTag: tag, type: 2, content: key.privateKeyPem, origin: 'keygen' });
  return der;
}

/** nRF91 AT ref %KEYGEN: an endorsement key already at the tag is reused, not replaced. */
async function endorsementKey(modem: AtContext, tag: number): Promise<Buffer> {
  requireLteInactive(modem);
  const existing = modem.credentials.material(tag, 8);
  if (existing) return keyPairSpkiDer(await importP256Key(existing.content));
  const key = await generateP256Key();
  await modem.credentials.put({ secTag: tag, type: 8, content: key.privateKeyPem, origin: 'keygen' });
  return keyPairSpkiDer(key.keys);
}

/**
 * `%KEYGEN=<sec_tag>,<key_type>[,<format>[,"<attributes>"[,"<key_usage>"]]]`: a P-256 key pair made in
 * the modem, the private key kept at the tag and never exported. Answers
 * `%KEYGEN: "<base64url DER>.<base64url COSE_Sign1>"`, the COSE payload carrying the SHA-256 of the DER,
 * signed with the device identity key.
 */
export const keygen: AtCommand = {
  name: '%KEYGEN',
  ref: 'ncs-behaviour §1.4 %KEYGEN; nRF91 AT ref %KEYGEN set command',
  set: async ({ modem, params }) => {
    params.count(2, 5);
    const tag = params.int(0, { min: 0, max: SEC_TAG_MAX });
    const keyType = params.oneOf(1, [2, 8] as const);
    const format = params.has(2) ? params.oneOf(2, [0, 1] as const) : keyType === 8 ? 1 : 0;
    // An endorsement key answers with its public key only.
    if (keyType === 8 && (format !== 1 || params.length > 3))
      throw new AtError(CmeError.INCORRECT_PARAMETERS);
    let der: Buffer;
    try {
      der = keyType === 2 ? await clientKey(modem, tag, format, params) : await endorsementKey(modem, tag);
    } catch (err) {
      throw credentialAtError(err);
    }
    const uuid = modem.identity.deviceUuid;
    const messageType = format === 0 ? NrfMessageType.CSR_V2 : NrfMessageType.PUB_KEY_V2;
    const payload = keygenPayload(messageType, uuid, tag, der, attestationNonce());
    const cose = coseSign1(deviceIdentityKey(uuid).privateKey, payload);
    return [`%KEYGEN: "${base64url(der)}.${base64url(cose)}"`];
  },
};
