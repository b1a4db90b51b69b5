import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, webcrypto } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { beforeEach, describe, expect, it } from 'vitest';
import { systemClock, VirtualClock } from '../../core/clock.js';
import { ErrorCode } from '../../core/errors.js';
import type { AtChannel } from '../../modem/at/channel.js';
import { fromBase64url, verifyCoseSign1 } from '../../modem/credentials/cose.js';
import { parseKeygenPayload } from '../../modem/credentials/nrf-messages.js';
import { Modem } from '../../modem/modem.js';
import { expectedSha } from './credential-fixtures.js';

let modem: Modem;
let at: AtChannel;

beforeEach(async () => {
  modem = new Modem({ name: 'keygen-test', clock: new VirtualClock() });
  at = modem.channel();
  await at.command('AT+CMEE=1');
});

/** Splits `%KEYGEN: "<der>.<cose>"` and checks the COSE signature with the device identity key. */
async function keygen(command: string): Promise<{ der: Buffer; cose: ReturnType<typeof verifyCoseSign1> }> {
  const lines = await at.command(command);
  expect(lines).toHaveLength(1);
  const m = /^%KEYGEN: "([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)"$/.exec(lines[0] as string);
  expect(m, lines[0]).not.toBeNull();
  const der = fromBase64url(m?.[1] as string);
  const identityKey = createPublicKey(modem.control.identityPublicKey());
  return { der, cose: verifyCoseSign1(fromBase64url(m?.[2] as string), identityKey) };
}

describe('%KEYGEN CSR (format 0)', () => {
  it('answers a CSR that verifies, with the device UUID as CN by default and the DK key usage', async () => {
    const { der } = await keygen('AT%KEYGEN=42,2,0');
    const csr = new x509.Pkcs10CertificateRequest(der);
    expect(await csr.verify(webcrypto)).toBe(true);
    expect(csr.subject).toBe(`CN=${modem.identity.deviceUuid}`);
    expect(csr.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    // keyUsage 03 02 03 E8 (digitalSignature, nonRepudiation, keyEncipherment, keyAgreement), as a DK sends.
    expect(der.includes(Buffer.from('0603551d0f0404030203e8', 'hex'))).toBe(true);
  });

  it('verifies with openssl req -verify', async () => {
    const { der } = await keygen(
      `AT%KEYGEN=7,2,0,"O=Nordic Semiconductor,CN=${modem.identity.imei}","101010000"`,
    );
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-keygen-'));
    try {
      await fs.writeFile(path.join(dir, 'csr.der'), der);
      const { stdout, stderr } = await promisify(execFile)('openssl', [
        'req',
        '-verify',
        '-inform',
        'DER',
        '-in',
        path.join(dir, 'csr.der'),
        '-noout',
        '-subject',
      ]);
      expect(`${stdout}${stderr}`).toMatch(/verify OK/i);
      expect(stdout).toContain(`O = Nordic Semiconductor, CN = ${modem.identity.imei}`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('signs a COSE_Sign1 whose payload carries the SHA-256 of the CSR, the sec tag and the device UUID', async () => {
    const { der, cose } = await keygen('AT%KEYGEN=42,2,0');
    expect(cose.valid).toBe(true);
    expect(cose.protectedHeader).toEqual(new Map([[1, -7]]));
    expect([...cose.unprotectedHeader.keys()]).toEqual([4]);
    expect(Buffer.from(cose.unprotectedHeader.get(4) as Uint8Array).toString('hex')).toBe('21');
    expect(cose.signature).toHaveLength(64);
    const payload = parseKeygenPayload(cose.payload as Uint8Array);
    expect(payload).toMatchObject({ messageType: 9, deviceUuid: modem.identity.deviceUuid, secTag: 42 });
    expect(payload.digest.equals(createHash('sha256').update(der).digest())).toBe(true);
    expect(payload.nonce).toHaveLength(16);
    // The sec tag is a CBOR integer inside a byte string: h'182a' for 42 (spec §1.4).
    expect(Buffer.from(cose.payload as Uint8Array).includes(Buffer.from('42182a', 'hex'))).toBe(true);
  });

  it('keeps the private key at the tag as a modem-owned item that never leaves the modem', async () => {
    await keygen('AT%KEYGEN=42,2,0');
    const list = await at.command('AT%CMNG=1');
    expect(list).toEqual([expect.stringMatching(/^%CMNG: 42,2,"[0-9A-F]{64}"$/)]);
    expect((await at.send('AT%CMNG=2,42,2')).finalLine).toBe('+CME ERROR: 514');
    expect(() => modem.control.credentials.read(42, 2)).toThrow(
      expect.objectContaining({ code: ErrorCode.CREDENTIAL_NOT_READABLE }),
    );
    expect(modem.control.credentials.info(42, 2)?.origin).toBe('keygen');
  });

  it('makes a new key each time, replacing the one at the tag', async () => {
    const first = await keygen('AT%KEYGEN=42,2,0');
    const sha1 = modem.control.credentials.info(42, 2)?.sha256;
    const second = await keygen('AT%KEYGEN=42,2,0');
    expect(second.der.equals(first.der)).toBe(false);
    expect(modem.control.credentials.info(42, 2)?.sha256).not.toBe(sha1);
    expect(modem.control.credentials.list()).toHaveLength(1);
  });
});

describe('%KEYGEN public key (format 1) and endorsement key (type 8)', () => {
  it('answers a DER SubjectPublicKeyInfo with a pubkey message (type 8) in the COSE payload', async () => {
    const { der, cose } = await keygen('AT%KEYGEN=11,2,1');
    const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cose.valid).toBe(true);
    expect(parseKeygenPayload(cose.payload as Uint8Array)).toMatchObject({ messageType: 8, secTag: 11 });
  });

  it('reuses an endorsement key that already exists at the tag', async () => {
    const first = await keygen('AT%KEYGEN=12,8');
    const second = await keygen('AT%KEYGEN=12,8,1');
    expect(second.der.equals(first.der)).toBe(true);
    expect((await at.send('AT%CMNG=2,12,8')).finalLine).toBe('+CME ERROR: 514');
  });
});

describe('%KEYGEN refusals', () => {
  it('is refused while LTE is active (518) and stores nothing', async () => {
    await at.command('AT+CFUN=21');
    expect((await at.send('AT%KEYGEN=42,2,0')).finalLine).toBe('+CME ERROR: 518');
    await at.command('AT+CMEE=0');
    expect((await at.send('AT%KEYGEN=42,2,0')).finalLine).toBe('ERROR');
    expect(modem.control.credentials.list()).toEqual([]);
  });

  it('answers parameter errors with 50 or ERROR and stores nothing', async () => {
    const cases: Array<[string, string]> = [
      ['AT%KEYGEN=42,3,0', '+CME ERROR: 50'],
      ['AT%KEYGEN=42,2,2', '+CME ERROR: 50'],
      ['AT%KEYGEN=2147483648,2,0', '+CME ERROR: 50'],
      ['AT%KEYGEN=42,2,0,"CN"', '+CME ERROR: 50'],
      ['AT%KEYGEN=42,2,0,"XX=1"', '+CME ERROR: 50'],
      ['AT%KEYGEN=42,2,0,"CN=a","10101"', '+CME ERROR: 50'],
      ['AT%KEYGEN=42,8,0', '+CME ERROR: 50'],
      ['AT%KEYGEN=42', 'ERROR'],
      ['AT%KEYGEN=42,2,0,CN=a', 'ERROR'],
    ];
    for (const [command, final] of cases) expect((await at.send(command)).finalLine, command).toBe(final);
    expect(modem.control.credentials.list()).toEqual([]);
  });

  it('answers 515 when the key does not fit, keeping what was there', async () => {
    const full = new Modem({
      clock: systemClock,
      name: 'full',
      profile: { credentials: { maxTotalBytes: 300 } },
    });
    const ch = full.channel();
    await ch.command('AT+CMEE=1');
    await ch.command(`AT%CMNG=0,1,4,"${'i'.repeat(200)}"`);
    expect((await ch.send('AT%KEYGEN=2,2,0')).finalLine).toBe('+CME ERROR: 515');
    expect(full.control.credentials.list()).toEqual([
      expect.objectContaining({ secTag: 1, sha256: expectedSha('i'.repeat(200)) }),
    ]);
  });
});

describe('device identity key', () => {
  it('is the same for the same device after a reboot and differs between devices', () => {
    const again = new Modem({ clock: systemClock, name: 'keygen-test' });
    const other = new Modem({ clock: systemClock, name: 'another-device' });
    expect(again.control.identityPublicKey()).toBe(modem.control.identityPublicKey());
    expect(other.control.identityPublicKey()).not.toBe(modem.control.identityPublicKey());
  });
});
