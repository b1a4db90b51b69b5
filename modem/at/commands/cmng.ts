import { ErrorCode, isSimError } from '../../../core/errors.js';
import type { AtContext } from '../context.js';
import {
  isCredentialType,
  isReadableType,
  SEC_TAG_MAX,
  type CredentialType,
} from '../../credentials/types.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import type { Params } from '../parser.js';
import { requireNoPowerOffWarning } from './battery.js';

/** `%CMNG` may name tags up to 2^32-1 (the modem's own live above {@link SEC_TAG_MAX}). */
const SEC_TAG_LIMIT = 4294967295;

/** The store's host-side errors as the modem reports them (nRF91 AT ref %CMNG, +CME ERROR codes). */
export function credentialAtError(err: unknown): unknown {
  if (!isSimError(err)) return err;
  switch (err.code) {
    case ErrorCode.CREDENTIAL_NOT_FOUND:
      return new AtError(CmeError.NOT_FOUND, err.message);
    case ErrorCode.CREDENTIAL_NOT_READABLE:
      return new AtError(CmeError.NO_ACCESS, err.message);
    case ErrorCode.CREDENTIAL_TOO_LARGE:
    case ErrorCode.CREDENTIAL_STORE_FULL:
      return new AtError(CmeError.MEMORY_FULL, err.message);
    case ErrorCode.CREDENTIAL_INVALID:
      // mfw 2.x documents 527 for certificate content that does not parse; we use it for every type.
      return new AtError(CmeError.INVALID_CONTENT, err.message);
    default:
      return err;
  }
}

function secTag(params: Params, index: number): number {
  return params.int(index, { min: 0, max: SEC_TAG_LIMIT });
}

function credentialType(params: Params, index: number): CredentialType {
  const type = params.int(index, { min: 0 });
  if (!isCredentialType(type)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
  return type;
}

/** nRF91 AT ref %CMNG, %KEYGEN: only while the modem is not activated (CFUN 1, 2, 21 activate it). */
export function requireLteInactive(modem: AtContext): void {
  if (modem.functionalMode.lteActive) throw new AtError(CmeError.NOT_ALLOWED_IN_ACTIVE_STATE);
}

async function write(modem: AtContext, params: Params): Promise<void> {
  params.count(4, 5);
  const tag = secTag(params, 1);
  const type = credentialType(params, 2);
  const content = params.string(3);
  // "An empty string is not allowed"; <passwd> is at most 32 characters.
  if (content.length === 0) throw new AtError(CmeError.INCORRECT_PARAMETERS);
  const password = params.optionalString(4, { maxLength: 32 });
  requireLteInactive(modem);
  requireNoPowerOffWarning(modem);
  // Tags above 2147483647 belong to the modem, and type 8 only comes from %KEYGEN.
  if (tag > SEC_TAG_MAX || type === 8) throw new AtError(CmeError.NO_ACCESS);
  try {
    await modem.credentials.put({
      secTag: tag,
      type,
      content,
      ...(password !== undefined ? { password } : {}),
    });
  } catch (err) {
    throw credentialAtError(err);
  }
}

function list(modem: AtContext, params: Params): string[] {
  params.count(1, 3);
  const tag = params.has(1) ? secTag(params, 1) : undefined;
  const type = params.has(2) ? params.int(2, { min: 0 }) : undefined;
  if (type !== undefined && tag === undefined) throw new AtError(CmeError.INCORRECT_PARAMETERS);
  // spec §2.1: a filter that matches nothing answers just OK (modem_key_mgmt_exists relies on it).
  return modem.credentials
    .list({ ...(tag !== undefined ? { secTag: tag } : {}) })
    .filter((item) => type === undefined || item.type === type)
    .map((item) => `%CMNG: ${item.secTag},${item.type},"${item.sha256}"`);
}

function read(modem: AtContext, params: Params): string[] {
  params.count(3);
  const tag = secTag(params, 1);
  const type = credentialType(params, 2);
  const item = modem.credentials.material(tag, type);
  if (!item) throw new AtError(CmeError.NOT_FOUND);
  // Private keys and PSKs never leave the modem (spec §2.2).
  if (!isReadableType(type)) throw new AtError(CmeError.NO_ACCESS);
  return [`%CMNG: ${item.secTag},${item.type},"${item.sha256}","${item.content}"`];
}

async function remove(modem: AtContext, params: Params): Promise<void> {
  params.count(3);
  const tag = secTag(params, 1);
  const type = credentialType(params, 2);
  requireLteInactive(modem);
  requireNoPowerOffWarning(modem);
  if (tag > SEC_TAG_MAX) throw new AtError(CmeError.NO_ACCESS);
  try {
    await modem.credentials.delete(tag, type);
  } catch (err) {
    throw credentialAtError(err);
  }
}

/**
 * `%CMNG`: the credential store. `=0` write (quoted PEM, CR/LF kept), `=1` list
 * (`%CMNG: <tag>,<type>,"<SHA-256>"`), `=2` read, `=3` delete.
 */
export const cmng: AtCommand = {
  name: '%CMNG',
  ref: 'ncs-behaviour §2; nRF91 AT ref %CMNG set command',
  set: async ({ modem, params }) => {
    switch (params.oneOf(0, [0, 1, 2, 3])) {
      case 0:
        return write(modem, params);
      case 1:
        return list(modem, params);
      case 2:
        return read(modem, params);
      default:
        return remove(modem, params);
    }
  },
  test: () => ['%CMNG: (0-3),(0-2147483647),(0-6)'],
};
