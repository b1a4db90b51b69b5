import { createECDH, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';

/** Order of the P-256 group. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

export interface DeviceIdentityKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SubjectPublicKeyInfo PEM, for whoever verifies the modem's COSE signatures. */
  publicKeyPem: string;
}

const cache = new Map<string, DeviceIdentityKey>();

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/**
 * The per-device identity key that signs `%KEYGEN` and `%ATTESTTOKEN` COSE messages (the key a real
 * nRF9160 keeps in its secure domain). It is derived from the device UUID, which the device keeps in
 * its state folder, so it survives restarts without being stored and the same device always has the
 * same key: a verifier learns the public key once (`modem.control.identityPublicKey()`).
 */
export function deviceIdentityKey(deviceUuid: string): DeviceIdentityKey {
  const cached = cache.get(deviceUuid);
  if (cached) return cached;
  const okm = Buffer.from(hkdfSync('sha256', deviceUuid, 'nrf91sim', 'device identity key P-256', 48));
  // 48 bytes reduced mod n-1 gives a scalar in [1, n-1] with negligible bias (FIPS 186-4 B.4.1).
  const d = (BigInt(`0x${okm.toString('hex')}`) % (P256_N - 1n)) + 1n;
  const dBytes = Buffer.from(d.toString(16).padStart(64, '0'), 'hex');
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(dBytes);
  const point = ecdh.getPublicKey();
  const privateKey = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64url(dBytes),
      x: b64url(point.subarray(1, 33)),
      y: b64url(point.subarray(33)),
    },
    format: 'jwk',
  });
  const publicKey = createPublicKey(privateKey);
  const key = {
    privateKey,
    publicKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
  cache.set(deviceUuid, key);
  return key;
}
