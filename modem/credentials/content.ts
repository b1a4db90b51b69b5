import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { ErrorCode, SimError } from '../../core/errors.js';
import { CREDENTIAL_TYPE_NAMES, type CredentialType } from './types.js';

/**
 * SHA-256 of a credential as `%CMNG=1` lists it: over the content exactly as written (CR/LF included),
 * 64 uppercase hex digits. nrfcredstore computes `sha256(text.encode()).hexdigest().upper()` to check
 * a write, so the hash must not be taken over a normalised or DER form.
 */
export function credentialSha256(content: string): string {
  return createHash('sha256').update(Buffer.from(content, 'latin1')).digest('hex').toUpperCase();
}

/** Longest `<passwd>` `%CMNG` accepts (nRF91 AT ref: "Maximum length 32 characters"). */
export const MAX_PASSWORD_LENGTH = 32;

interface PemBlock {
  label: string;
  text: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/** The PEM blocks in `content`; fails on a BEGIN without its END or an END naming another label. */
function pemBlocks(content: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of content.matchAll(BLOCK)) {
    const [text, label, , endLabel] = m as unknown as [string, string, string, string];
    if (label !== endLabel) throw invalid(`BEGIN ${label} is closed by END ${endLabel}`);
    blocks.push({ label, text });
  }
  const begins = content.match(/-----BEGIN /g)?.length ?? 0;
  const ends = content.match(/-----END /g)?.length ?? 0;
  if (begins !== blocks.length || ends !== blocks.length) throw invalid('a PEM block is not terminated');
  return blocks;
}

function invalid(reason: string): SimError {
  return new SimError(ErrorCode.CREDENTIAL_INVALID, reason);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function certificates(content: string, what: string): void {
  const blocks = pemBlocks(content);
  if (blocks.length === 0) throw invalid(`${what}: no PEM CERTIFICATE block`);
  blocks.forEach((block, i) => {
    if (block.label !== 'CERTIFICATE') throw invalid(`${what}: unexpected PEM block ${block.label}`);
    try {
      new X509Certificate(block.text);
    } catch (err) {
      throw invalid(`${what}: certificate ${i + 1} does not parse (${messageOf(err)})`);
    }
  });
}

const PRIVATE_KEY_LABELS = ['PRIVATE KEY', 'EC PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'];

function privateKey(content: string, password: string | undefined): void {
  // `openssl ecparam -genkey` writes an EC PARAMETERS block before the key; mbed TLS skips it too.
  const blocks = pemBlocks(content).filter((b) => b.label !== 'EC PARAMETERS');
  const key = blocks[0];
  if (blocks.length !== 1 || !key || !PRIVATE_KEY_LABELS.includes(key.label)) {
    throw invalid('private key: expected exactly one PEM private key block');
  }
  try {
    createPrivateKey({
      key: key.text,
      format: 'pem',
      ...(password !== undefined ? { passphrase: password } : {}),
    });
  } catch (err) {
    throw invalid(
      `private key does not parse${password === undefined ? '' : ' with the given password'} (${messageOf(err)})`,
    );
  }
}

function publicKey(content: string): void {
  const blocks = pemBlocks(content);
  const key = blocks[0];
  if (blocks.length !== 1 || !key || (key.label !== 'PUBLIC KEY' && key.label !== 'RSA PUBLIC KEY')) {
    throw invalid('public key: expected exactly one PEM PUBLIC KEY block');
  }
  try {
    createPublicKey(key.text);
  } catch (err) {
    throw invalid(`public key does not parse (${messageOf(err)})`);
  }
}

/**
 * Refuses content the modem could never use, so a malformed certificate is an error at write time and
 * not a TLS failure hours later: PEM types must parse (0/1 certificates or chains, 2/8 private keys,
 * 5/6 public keys), a PSK (3) is an even number of hex digits. Throws CREDENTIAL_INVALID.
 */
export function validateCredentialContent(type: CredentialType, content: string, password?: string): void {
  if (content.length === 0) throw invalid('empty content is not allowed');
  if (password !== undefined && password.length > MAX_PASSWORD_LENGTH) {
    throw invalid(`password longer than ${MAX_PASSWORD_LENGTH} characters`);
  }
  switch (type) {
    case 0:
      return certificates(content, 'root CA certificate');
    case 1:
      return certificates(content, 'client certificate');
    case 2:
    case 8:
      return privateKey(content, password);
    case 3:
      if (!/^[0-9A-Fa-f]+$/.test(content) || content.length % 2 !== 0) {
        throw invalid('PSK: expected an even number of hexadecimal digits');
      }
      return;
    case 4:
      return;
    case 5:
    case 6:
      return publicKey(content);
    default:
      throw invalid(
        `type ${String(type)} (${CREDENTIAL_TYPE_NAMES[type as CredentialType] ?? '?'}) cannot be written`,
      );
  }
}
