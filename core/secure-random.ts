import { randomBytes } from 'node:crypto';

/**
 * Secrets: key material, access keys, tokens, nonces and certificate serial numbers. They come from
 * the system CSPRNG and never from a seeded {@link Random}, whose whole point is that anyone with the
 * seed can draw the same values again. Everything else random (jitter, loss, identifiers a test wants
 * to reproduce) takes the caller's `Random`.
 */
export function secureRandomBytes(n: number): Buffer {
  return randomBytes(n);
}
