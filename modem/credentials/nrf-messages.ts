import { createHash } from 'node:crypto';
import { secureRandomBytes } from '../../core/secure-random.js';
import { decode, encode, Tag } from 'cbor2';
import { plainBytes } from './cose.js';

/**
 * The Nordic identity-service messages the modem signs (NCS `modem_attest_token.h`
 * `enum nrf_id_srvc_msg_type`; layouts checked against real device output decoded by nRF Cloud's
 * modem_credentials_parser.py).
 */
export const NrfMessageType = {
  /** `%ATTESTTOKEN`: [1, device UUID, device type, modem firmware UUID, nonce]. */
  ID_V1: 1,
  /** `%KEYGEN` public key: [8, device UUID, sec tag, SHA-256 of the DER, nonce]. */
  PUB_KEY_V2: 8,
  /** `%KEYGEN` CSR: [9, device UUID, sec tag, SHA-256 of the DER, nonce]. */
  CSR_V2: 9,
} as const;

/** `enum nrf_device_type`. */
export const NrfDeviceType = { NRF9160_SIAA: 1, NRF9160_SIBA: 2, NRF9160_SICA: 3 } as const;

/** CBOR "self-described CBOR" tag (RFC 8949 §3.4.6) that wraps every identity-service message. */
export const SELF_DESCRIBED_CBOR_TAG = 55799;

/** Nonces are real randomness: a replayed nonce defeats their purpose, and the signatures are random anyway. */
export function attestationNonce(): Buffer {
  return secureRandomBytes(16);
}

export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

export function uuidString(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `%HWVERSION` `nRF9160 SICA B1A` → 3. */
export function deviceTypeOf(hwVersion: string): number {
  if (/SIAA/i.test(hwVersion)) return NrfDeviceType.NRF9160_SIAA;
  if (/SIBA/i.test(hwVersion)) return NrfDeviceType.NRF9160_SIBA;
  return NrfDeviceType.NRF9160_SICA;
}

/**
 * The COSE payload of a `%KEYGEN` answer: tag 55799 around `[8|9, uuid, bstr(CBOR(secTag)),
 * SHA-256(der), nonce]`. The sec tag is itself CBOR inside a byte string (`h'182a'` for 42); tools
 * compare element 3 with the SHA-256 of the first half of the answer.
 */
export function keygenPayload(
  type: typeof NrfMessageType.CSR_V2 | typeof NrfMessageType.PUB_KEY_V2,
  deviceUuid: string,
  secTag: number,
  der: Uint8Array,
  nonce: Uint8Array,
): Uint8Array {
  const digest = createHash('sha256').update(der).digest();
  return encode(
    new Tag(SELF_DESCRIBED_CBOR_TAG, [
      type,
      plainBytes(uuidBytes(deviceUuid)),
      encode(secTag),
      plainBytes(digest),
      plainBytes(nonce),
    ]),
  );
}

/** The `%ATTESTTOKEN` claims: tag 55799 around `[1, device UUID, device type, modem firmware UUID, nonce]`. */
export function attestationToken(
  deviceUuid: string,
  deviceType: number,
  firmwareUuid: string,
  nonce: Uint8Array,
): Uint8Array {
  return encode(
    new Tag(SELF_DESCRIBED_CBOR_TAG, [
      NrfMessageType.ID_V1,
      plainBytes(uuidBytes(deviceUuid)),
      deviceType,
      plainBytes(uuidBytes(firmwareUuid)),
      plainBytes(nonce),
    ]),
  );
}

function untagged(bytes: Uint8Array): unknown[] {
  const value = decode(bytes);
  const inner =
    value instanceof Tag && Number(value.tag) === SELF_DESCRIBED_CBOR_TAG ? value.contents : value;
  if (!Array.isArray(inner) || inner.length !== 5) throw new TypeError('not an nRF identity-service message');
  return inner;
}

function bstr(value: unknown, size?: number): Uint8Array {
  if (!(value instanceof Uint8Array) || (size !== undefined && value.length !== size)) {
    throw new TypeError('malformed nRF identity-service message');
  }
  return value;
}

export interface KeygenPayload {
  messageType: number;
  deviceUuid: string;
  secTag: number;
  /** SHA-256 of the DER half of the answer. */
  digest: Buffer;
  nonce: Buffer;
}

/** Decodes a `%KEYGEN` COSE payload (what nRF Cloud's parser prints as "Attestation"). */
export function parseKeygenPayload(bytes: Uint8Array): KeygenPayload {
  const [type, uuid, tag, digest, nonce] = untagged(bytes);
  const secTag = decode(bstr(tag));
  if (typeof type !== 'number' || typeof secTag !== 'number')
    throw new TypeError('malformed %KEYGEN payload');
  return {
    messageType: type,
    deviceUuid: uuidString(bstr(uuid, 16)),
    secTag,
    digest: Buffer.from(bstr(digest, 32)),
    nonce: Buffer.from(bstr(nonce, 16)),
  };
}

export interface AttestationClaims {
  messageType: number;
  deviceUuid: string;
  deviceType: number;
  firmwareUuid: string;
  nonce: Buffer;
}

/** Decodes `%ATTESTTOKEN` claims as NCS `modem_attest_token_parse()` does. */
export function parseAttestationToken(bytes: Uint8Array): AttestationClaims {
  const [type, uuid, deviceType, fwUuid, nonce] = untagged(bytes);
  if (typeof type !== 'number' || typeof deviceType !== 'number')
    throw new TypeError('malformed attestation token');
  return {
    messageType: type,
    deviceUuid: uuidString(bstr(uuid, 16)),
    deviceType,
    firmwareUuid: uuidString(bstr(fwUuid, 16)),
    nonce: Buffer.from(bstr(nonce, 16)),
  };
}
