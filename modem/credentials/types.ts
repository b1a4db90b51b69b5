/**
 * What the modem's credential store holds (nRF91 AT reference, %CMNG; ncs-behaviour §2). An item is
 * keyed by `(secTag, type)`; its content is kept byte for byte as it was written.
 */

/** `%CMNG` `<type>` values of mfw 1.3.x, plus the endorsement key `%KEYGEN` makes (type 8). */
export const CredentialType = {
  ROOT_CA_CERT: 0,
  CLIENT_CERT: 1,
  CLIENT_PRIVATE_KEY: 2,
  PSK: 3,
  PSK_IDENTITY: 4,
  PUBLIC_KEY: 5,
  DEVICE_IDENTITY_PUBLIC_KEY: 6,
  ENDORSEMENT_PRIVATE_KEY: 8,
} as const;

export type CredentialType = (typeof CredentialType)[keyof typeof CredentialType];

export const CREDENTIAL_TYPES: readonly CredentialType[] = Object.values(CredentialType);

/** Types `%CMNG=0` may write; type 8 only comes from `%KEYGEN`. */
export const WRITABLE_TYPES: readonly CredentialType[] = [0, 1, 2, 3, 4, 5, 6];

/** Names as nrfcredstore and `modem_key_mgmt` print them. */
export const CREDENTIAL_TYPE_NAMES: Readonly<Record<CredentialType, string>> = {
  0: 'ROOT_CA_CERT',
  1: 'CLIENT_CERT',
  2: 'CLIENT_KEY',
  3: 'PSK',
  4: 'PSK_ID',
  5: 'PUB_KEY',
  6: 'DEV_ID_PUB_KEY',
  8: 'ENDORSEMENT_KEY',
};

export function isCredentialType(value: number): value is CredentialType {
  return (CREDENTIAL_TYPES as readonly number[]).includes(value);
}

/** nRF91 AT ref %CMNG: private keys and PSKs never leave the modem (`%CMNG=2` answers 514). */
export function isReadableType(type: CredentialType): boolean {
  return type !== 2 && type !== 3 && type !== 8;
}

/** The highest `<sec_tag>` a user may address; tags above it are reserved for the modem. */
export const SEC_TAG_MAX = 2147483647;

export function isUserSecTag(secTag: number): boolean {
  return Number.isSafeInteger(secTag) && secTag >= 0 && secTag <= SEC_TAG_MAX;
}

/** nRF Cloud's default sec tag (`CONFIG_NRF_CLOUD_SEC_TAG`, 0x01010101); DKs ship credentials there. */
export const NRF_CLOUD_SEC_TAG = 16842753;

/** Who put an item there: written by a user (`%CMNG`, the host API) or generated inside the modem. */
export type CredentialOrigin = 'user' | 'keygen';

/** What a caller hands the store. */
export interface CredentialInput {
  secTag: number;
  type: CredentialType;
  /** The content exactly as written, one character per byte (latin1), CR/LF kept. */
  content: string;
  /** `%CMNG` `<passwd>`: the PKCS#8 password of an encrypted private key (type 2 only). */
  password?: string;
  origin?: CredentialOrigin;
}

/** One stored item. */
export interface StoredCredential {
  secTag: number;
  type: CredentialType;
  content: string;
  password?: string;
  origin: CredentialOrigin;
  /** SHA-256 of the content as written, 64 uppercase hex digits, as `%CMNG=1` prints it. */
  sha256: string;
}

/** What a listing shows: everything but the content. */
export type CredentialInfo = Omit<StoredCredential, 'content' | 'password'> & { size: number };

/** Space the modem gives credentials (spec §2.3: about 4 KB per item, a bounded total). */
export interface CredentialLimits {
  /** Largest content of one item, in bytes. */
  maxItemBytes: number;
  /** Largest sum of all items' content, in bytes. */
  maxTotalBytes: number;
}

export const DEFAULT_CREDENTIAL_LIMITS: CredentialLimits = { maxItemBytes: 4096, maxTotalBytes: 64 * 1024 };

export function credentialKey(secTag: number, type: number): string {
  return `${secTag}/${type}`;
}

/** Orders items as `%CMNG=1` lists them: by sec tag, then type. */
export function compareCredentials(a: { secTag: number; type: number }, b: typeof a): number {
  return a.secTag - b.secTag || a.type - b.type;
}
