import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { ErrorCode, SimError } from '../../core/errors.js';

/** A key as PEM text, PEM/DER bytes, or a `KeyObject`. */
export type KeyInput = KeyObject | string | Uint8Array;

function isKeyObject(k: KeyInput): k is KeyObject {
  return typeof k === 'object' && 'asymmetricKeyType' in k;
}

function checkP256(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const kind =
      key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType;
    throw new SimError(
      ErrorCode.IMAGE_BAD_KEY,
      `${what} is ${kind ?? 'not an asymmetric key'}; MCUboot ECDSA images need a P-256 key`,
    );
  }
  return key;
}

/** Loads an ECDSA P-256 private key (PKCS#8 or SEC1 PEM, as `imgtool keygen -t ecdsa-p256` writes). */
export function loadSigningKey(input: KeyInput): KeyObject {
  if (isKeyObject(input)) {
    if (input.type !== 'private') throw new SimError(ErrorCode.IMAGE_BAD_KEY, 'signing needs a private key');
    return checkP256(input, 'the signing key');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(typeof input === 'string' ? input : Buffer.from(input));
  } catch (err) {
    throw new SimError(ErrorCode.IMAGE_BAD_KEY, `not a private key PEM: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return checkP256(key, 'the signing key');
}

/** Loads a P-256 public key from a public or private key (PEM, DER SubjectPublicKeyInfo, or KeyObject). */
export function loadVerifyKey(input: KeyInput): KeyObject {
  if (isKeyObject(input)) {
    return checkP256(input.type === 'private' ? createPublicKey(input) : input, 'the key');
  }
  const data = typeof input === 'string' ? input : Buffer.from(input);
  let key: KeyObject;
  try {
    const text = typeof data === 'string' ? data : data.toString('latin1');
    if (text.includes('-----BEGIN')) {
      key = createPublicKey(text);
    } else {
      key = createPublicKey({ key: Buffer.from(data), format: 'der', type: 'spki' });
    }
  } catch (err) {
    throw new SimError(ErrorCode.IMAGE_BAD_KEY, `not a public or private key: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return checkP256(key, 'the key');
}

/**
 * The public key as DER `SubjectPublicKeyInfo`: what `imgtool getpub` embeds in MCUboot and what the
 * key hash is computed over.
 */
export function publicKeyDer(key: KeyInput): Buffer {
  return loadVerifyKey(key).export({ type: 'spki', format: 'der' });
}

/** `IMAGE_TLV_KEYHASH` value: SHA-256 of the DER SubjectPublicKeyInfo (`imgtool getpubhash`). */
export function keyHash(key: KeyInput): Buffer {
  return createHash('sha256').update(publicKeyDer(key)).digest();
}

/** A new P-256 key pair as PKCS#8 / SPKI PEM, like `imgtool keygen -t ecdsa-p256`. */
export function generateSigningKey(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
