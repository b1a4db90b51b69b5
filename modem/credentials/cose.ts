import { sign, verify, type KeyObject } from 'node:crypto';
import { decode, encode, Tag } from 'cbor2';

/** COSE algorithm ES256 (RFC 9053 §2.1). */
export const COSE_ALG_ES256 = -7;
/** CBOR tag of a COSE_Sign1 message (RFC 9052 §4.2). */
export const COSE_SIGN1_TAG = 18;
/** COSE header labels (RFC 9052 §3.1). */
const HEADER_ALG = 1;
const HEADER_KID = 4;
/**
 * The key id nRF91 modems put in the unprotected header: the CBOR encoding of -2, which Nordic's
 * tools name `identity_key` (nRF Cloud utils, modem_credentials_parser.py).
 */
export const NRF_IDENTITY_KEY_ID = Uint8Array.of(0x21);

/** cbor2 encodes a Node Buffer through its toJSON(); a plain Uint8Array view is a byte string. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function fromBase64url(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}

/** The bytes ES256 signs: Sig_structure `["Signature1", protected, external_aad, payload]` (RFC 9052 §4.4). */
function toBeSigned(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return encode(['Signature1', plainBytes(protectedHeader), new Uint8Array(0), plainBytes(payload)]);
}

/**
 * A tagged COSE_Sign1 `[protected {1: -7}, unprotected {4: h'21'}, payload, signature]` with a 64-byte
 * r||s ES256 signature, as the modem builds it. `payload` null makes a detached signature over
 * `detached` (the `%ATTESTTOKEN` form: the token travels beside the COSE message).
 */
export function coseSign1(key: KeyObject, payload: Uint8Array | null, detached?: Uint8Array): Uint8Array {
  const protectedHeader = encode(new Map([[HEADER_ALG, COSE_ALG_ES256]]));
  const signed = payload ?? detached;
  if (!signed) throw new TypeError('coseSign1: a payload or a detached payload is required');
  const signature = sign('sha256', toBeSigned(protectedHeader, signed), { key, dsaEncoding: 'ieee-p1363' });
  const unprotectedHeader = new Map([[HEADER_KID, NRF_IDENTITY_KEY_ID]]);
  return encode(
    new Tag(COSE_SIGN1_TAG, [
      protectedHeader,
      unprotectedHeader,
      payload && plainBytes(payload),
      plainBytes(signature),
    ]),
  );
}

export interface DecodedCoseSign1 {
  protectedHeader: Map<number, unknown>;
  unprotectedHeader: Map<number, unknown>;
  /** The embedded payload, or null for a detached signature. */
  payload: Uint8Array | null;
  signature: Uint8Array;
  /** True when the ES256 signature verifies with the given public key. */
  valid: boolean;
}

/** Decodes a tagged COSE_Sign1 and checks its ES256 signature; throws when it is not one. */
export function verifyCoseSign1(
  bytes: Uint8Array,
  publicKey: KeyObject,
  detached?: Uint8Array,
): DecodedCoseSign1 {
  const tag = decode(bytes);
  if (
    !(tag instanceof Tag) ||
    Number(tag.tag) !== COSE_SIGN1_TAG ||
    !Array.isArray(tag.contents) ||
    tag.contents.length !== 4
  ) {
    throw new TypeError('not a tagged COSE_Sign1 message');
  }
  const [protectedBytes, unprotectedHeader, payload, signature] = tag.contents as [
    unknown,
    unknown,
    unknown,
    unknown,
  ];
  if (
    !(protectedBytes instanceof Uint8Array) ||
    !(signature instanceof Uint8Array) ||
    !(unprotectedHeader instanceof Map)
  ) {
    throw new TypeError('malformed COSE_Sign1 message');
  }
  if (payload !== null && !(payload instanceof Uint8Array))
    throw new TypeError('malformed COSE_Sign1 payload');
  const protectedHeader = decode(protectedBytes);
  if (!(protectedHeader instanceof Map)) throw new TypeError('malformed COSE_Sign1 protected header');
  const signed = payload ?? detached;
  const valid =
    signed !== undefined &&
    protectedHeader.get(HEADER_ALG) === COSE_ALG_ES256 &&
    verify(
      'sha256',
      toBeSigned(protectedBytes, signed),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      signature,
    );
  return {
    protectedHeader: protectedHeader as Map<number, unknown>,
    unprotectedHeader: unprotectedHeader as Map<number, unknown>,
    payload,
    signature,
    valid,
  };
}
