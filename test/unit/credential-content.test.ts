import { createHash, generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { credentialSha256, validateCredentialContent } from '../../modem/credentials/content.js';
import type { CredentialType } from '../../modem/credentials/types.js';
import { corruptPem, crlf, testPki, type TestPki } from './credential-fixtures.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await testPki();
});

const accepts = (type: CredentialType, content: string, password?: string): void =>
  expect(() => validateCredentialContent(type, content, password)).not.toThrow();
const refuses = (type: CredentialType, content: string, password?: string): void =>
  expect(() => validateCredentialContent(type, content, password)).toThrow(
    expect.objectContaining({ code: ErrorCode.CREDENTIAL_INVALID }),
  );

describe('credential content validation', () => {
  it('accepts root CA certificates and chains, with LF or CRLF and text between blocks', () => {
    accepts(0, pki.caPem);
    accepts(0, crlf(`${pki.caPem}\n${pki.otherCaPem}`));
    accepts(0, `# Test Root CA\n${pki.caPem}subject=CN = Other\n${pki.otherCaPem}`);
    accepts(1, crlf(pki.clientCertPem));
  });

  it('refuses certificates that do not parse, are cut short or are something else', () => {
    refuses(0, corruptPem(pki.caPem));
    refuses(0, `${pki.caPem}${corruptPem(pki.otherCaPem)}`);
    refuses(0, pki.caPem.replace('-----END CERTIFICATE-----', ''));
    refuses(0, pki.caPem.replace('-----END CERTIFICATE-----', '-----END PUBLIC KEY-----'));
    refuses(1, pki.clientKeyPem);
    refuses(1, 'MIIB...');
    refuses(0, '');
  });

  it('accepts private keys in PKCS#8, SEC1 with EC PARAMETERS, RSA, and encrypted with their password', () => {
    accepts(2, pki.clientKeyPem);
    accepts(2, crlf(pki.sec1KeyPem));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    accepts(2, rsa.export({ format: 'pem', type: 'pkcs1' }).toString());
    accepts(2, pki.encryptedKeyPem, 'secret');
  });

  it('refuses private keys that do not parse, lack their password, or come with too long a password', () => {
    refuses(2, corruptPem(pki.clientKeyPem));
    refuses(2, pki.encryptedKeyPem);
    refuses(2, pki.encryptedKeyPem, 'wrong');
    refuses(2, pki.encryptedKeyPem, 'x'.repeat(33));
    refuses(2, `${pki.clientKeyPem}${pki.clientKeyPem}`);
    refuses(2, pki.publicKeyPem);
  });

  it('checks public keys (types 5 and 6) and PSKs (hex digit pairs); PSK identities are free text', () => {
    accepts(5, pki.publicKeyPem);
    accepts(6, crlf(pki.publicKeyPem));
    refuses(5, corruptPem(pki.publicKeyPem));
    refuses(5, pki.caPem);
    accepts(3, '000102030405060708090a0B0c0D0e0F');
    refuses(3, '0g');
    refuses(3, 'abc');
    accepts(4, 'nrf-352656100123454');
    refuses(4, '');
  });

  it('hashes the bytes as written: CRLF and LF differ, latin1 bytes hash as bytes', () => {
    expect(credentialSha256('abc')).toBe('BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD');
    expect(credentialSha256('a\r\nb')).not.toBe(credentialSha256('a\nb'));
    const oneByte = createHash('sha256')
      .update(Buffer.from([0xe9]))
      .digest('hex')
      .toUpperCase();
    expect(credentialSha256('\xe9')).toBe(oneByte);
  });
});
