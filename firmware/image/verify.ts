import { createHash, verify as verifySignature, type KeyObject } from 'node:crypto';
import { ErrorCode, SimError } from '../../core/errors.js';
import { TlvType } from './format.js';
import { keyHash, loadVerifyKey, type KeyInput } from './keys.js';
import type { McubootImage } from './parse.js';

export type SignatureStatus =
  /** No signature TLV. */
  | 'absent'
  /** A signature is present but no key was given to check it with. */
  | 'not-checked'
  | 'valid'
  | 'invalid'
  /** The key hash TLV names no key we were given, so MCUboot skips the signature. */
  | 'unknown-key';

export interface ImageProblem {
  code: ErrorCode;
  message: string;
}

export interface ImageVerification {
  /** What MCUboot's `bootutil_img_validate` would decide with the same keys. */
  valid: boolean;
  hash: { valid: boolean; expected: string | undefined; actual: string };
  signature: { status: SignatureStatus; keyHash: string | undefined };
  problems: ImageProblem[];
}

export interface VerifyOptions {
  /**
   * The bootloader's public keys. When any are given a valid signature by one of them is required,
   * as MCUboot built with `CONFIG_BOOT_SIGNATURE_TYPE_ECDSA_P256` requires; when none are given only
   * the hash is checked (`CONFIG_BOOT_SIGNATURE_TYPE_NONE`).
   */
  keys?: readonly KeyInput[];
}

/** Drops the zero padding `imgtool sign --pad-sig` appends to reach 72 bytes. */
function trimDer(sig: Buffer): Buffer {
  if (sig.length >= 2 && sig[0] === 0x30 && (sig[1] as number) < 0x80) {
    return sig.subarray(0, Math.min(sig.length, (sig[1] as number) + 2));
  }
  return sig;
}

/**
 * Checks the SHA-256 TLV against the hash region and, walking the TLVs in order as MCUboot does, each
 * `KEYHASH` + `ECDSA_SIG` pair against the given keys.
 */
export function verifyImage(image: McubootImage, options: VerifyOptions = {}): ImageVerification {
  const problems: ImageProblem[] = [];
  const actual = createHash('sha256').update(image.hashRegion).digest();
  const hashTlv = image.tlvs.find((t) => t.type === TlvType.SHA256);
  let hashValid = false;
  if (!hashTlv) {
    problems.push({ code: ErrorCode.IMAGE_HASH_MISSING, message: 'no SHA-256 TLV (0x10) in the TLV area' });
  } else if (hashTlv.value.length !== 32) {
    problems.push({
      code: ErrorCode.IMAGE_BAD_TLV,
      message: `SHA-256 TLV is ${hashTlv.value.length} bytes, expected 32`,
    });
  } else if (!hashTlv.value.equals(actual)) {
    problems.push({
      code: ErrorCode.IMAGE_HASH_MISMATCH,
      message: `hash mismatch: TLV says ${hashTlv.value.toString('hex')}, header+body+protected TLVs hash to ${actual.toString('hex')}`,
    });
  } else {
    hashValid = true;
  }

  const keys: { key: KeyObject; hash: Buffer }[] = (options.keys ?? []).map((k) => {
    const key = loadVerifyKey(k);
    return { key, hash: keyHash(key) };
  });
  const keyHashTlv = image.tlvs.find((t) => t.type === TlvType.KEYHASH);
  const hasSignature = image.tlvs.some((t) => t.type === TlvType.ECDSA_SIG);
  let status: SignatureStatus = hasSignature ? 'not-checked' : 'absent';
  if (keys.length > 0) {
    status = hasSignature ? 'unknown-key' : 'absent';
    let current: KeyObject | undefined;
    for (const tlv of image.tlvs) {
      if (tlv.type === TlvType.KEYHASH) {
        current = keys.find((k) => k.hash.equals(tlv.value))?.key;
      } else if (tlv.type === TlvType.ECDSA_SIG && current) {
        // MCUboot verifies the signature against the hash it computed, so this holds even when the
        // SHA-256 TLV was tampered with.
        const ok = verifySignature('sha256', image.hashRegion, current, trimDer(tlv.value));
        status = ok ? 'valid' : status === 'valid' ? 'valid' : 'invalid';
        current = undefined;
      }
    }
    if (status === 'absent') {
      problems.push({
        code: ErrorCode.IMAGE_UNSIGNED,
        message: 'the image is not signed but the bootloader requires an ECDSA-P256 signature',
      });
    } else if (status === 'unknown-key') {
      problems.push({
        code: ErrorCode.IMAGE_KEY_UNKNOWN,
        message: `the image was signed with key ${keyHashTlv?.value.toString('hex') ?? '(no key hash TLV)'}, which is not a bootloader key`,
      });
    } else if (status === 'invalid') {
      problems.push({
        code: ErrorCode.IMAGE_SIGNATURE_INVALID,
        message: 'ECDSA-P256 signature does not verify',
      });
    }
  }
  return {
    valid: hashValid && (keys.length === 0 || status === 'valid'),
    hash: { valid: hashValid, expected: hashTlv?.value.toString('hex'), actual: actual.toString('hex') },
    signature: { status, keyHash: keyHashTlv?.value.toString('hex') },
    problems,
  };
}

/** Throws the first problem of a verification as a {@link SimError}. */
export function assertVerified(result: ImageVerification): void {
  const first = result.problems[0];
  if (first) throw new SimError(first.code, first.message);
}
