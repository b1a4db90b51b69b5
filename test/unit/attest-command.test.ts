import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { systemClock, VirtualClock } from '../../core/clock.js';
import { fromBase64url, verifyCoseSign1 } from '../../modem/credentials/cose.js';
import { parseAttestationToken } from '../../modem/credentials/nrf-messages.js';
import { modemFirmwareUuid } from '../../modem/identity.js';
import { Modem } from '../../modem/modem.js';

async function attest(modem: Modem): Promise<{ token: Buffer; cose: Buffer }> {
  const lines = await modem.channel().command('AT%ATTESTTOKEN');
  expect(lines).toHaveLength(1);
  const m = /^%ATTESTTOKEN: "([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)"$/.exec(lines[0] as string);
  expect(m, lines[0]).not.toBeNull();
  return { token: fromBase64url(m?.[1] as string), cose: fromBase64url(m?.[2] as string) };
}

describe('%ATTESTTOKEN', () => {
  it('answers claims NCS modem_attest_token_parse() accepts: tag 55799 around [1, UUID, type, fw UUID, nonce]', async () => {
    const modem = new Modem({ name: 'attest-test', clock: new VirtualClock() });
    const { token } = await attest(modem);
    // tag 55799, array(5), 1, bstr(16): the prefix every real token has ("2dn3hQFQ" in base64url).
    expect(token.subarray(0, 6).toString('hex')).toBe('d9d9f7850150');
    const claims = parseAttestationToken(token);
    expect(claims).toMatchObject({
      messageType: 1,
      deviceUuid: modem.identity.deviceUuid,
      deviceType: 3,
      firmwareUuid: modemFirmwareUuid(modem.identity.firmwareVersion),
    });
    expect(claims.nonce).toHaveLength(16);
  });

  it('signs the claims in a detached COSE_Sign1 that verifies with the device identity key only', async () => {
    const modem = new Modem({ clock: systemClock, name: 'attest-test' });
    const { token, cose } = await attest(modem);
    const key = createPublicKey(modem.control.identityPublicKey());
    const checked = verifyCoseSign1(cose, key, token);
    expect(checked.payload).toBeNull();
    expect(checked.valid).toBe(true);
    const tampered = Buffer.from(token);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
    expect(verifyCoseSign1(cose, key, tampered).valid).toBe(false);
    const stranger = createPublicKey(
      new Modem({ clock: systemClock, name: 'someone-else' }).control.identityPublicKey(),
    );
    expect(verifyCoseSign1(cose, stranger, token).valid).toBe(false);
  });

  it('uses a fresh nonce each time and works in any functional mode', async () => {
    const modem = new Modem({ clock: systemClock, name: 'attest-test' });
    const first = parseAttestationToken((await attest(modem)).token);
    await modem.channel().command('AT+CFUN=1');
    const second = parseAttestationToken((await attest(modem)).token);
    expect(second.nonce.equals(first.nonce)).toBe(false);
    expect(second.deviceUuid).toBe(first.deviceUuid);
  });
});
