import { systemClock } from '../../core/clock.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { Device } from '../../firmware/device.js';
import { Modem } from '../../modem/modem.js';
import { crlf, expectedSha, testPki, type TestPki } from './credential-fixtures.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-device-creds-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));
let pki: TestPki;
beforeAll(async () => {
  pki = await testPki();
});

async function list(device: Device): Promise<string[]> {
  return device.modem.channel().command('AT%CMNG=1');
}

describe('credentials of a device with a state directory', () => {
  it('survive a reboot in <state>/devices/<name>/credentials.json', async () => {
    const stateDir = path.join(root, 'reboot');
    const first = await Device.boot({ clock: systemClock, name: 'dev-a', stateDir });
    await first.modem.channel().command(`AT%CMNG=0,42,0,"${crlf(pki.caPem)}"`);
    await first.modem.channel().command(`AT%CMNG=0,42,2,"${pki.clientKeyPem}"`);
    const before = await list(first);
    await first.close();
    await expect(fs.stat(path.join(stateDir, 'devices', 'dev-a', 'credentials.json'))).resolves.toBeTruthy();
    const second = await Device.boot({ clock: systemClock, name: 'dev-a', stateDir });
    expect(await list(second)).toEqual(before);
    expect(before[0]).toBe(`%CMNG: 42,0,"${expectedSha(crlf(pki.caPem))}"`);
    await second.close();
  });

  it('get the profile factory credentials on first boot only', async () => {
    const stateDir = path.join(root, 'factory');
    const profile = {
      credentials: { factory: [{ secTag: 16842753, type: 0 as const, content: pki.caPem }] },
    };
    const first = await Device.boot({ clock: systemClock, name: 'dev-b', stateDir, profile });
    expect(await list(first)).toEqual([`%CMNG: 16842753,0,"${expectedSha(pki.caPem)}"`]);
    await first.modem.channel().command('AT%CMNG=3,16842753,0');
    await first.close();
    const second = await Device.boot({ clock: systemClock, name: 'dev-b', stateDir, profile });
    expect(await list(second)).toEqual([]);
    await second.close();
  });

  it('refuse to boot on a corrupt credentials.json', async () => {
    const stateDir = path.join(root, 'corrupt');
    const file = path.join(stateDir, 'devices', 'dev-c', 'credentials.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, 'not json');
    await expect(Device.boot({ clock: systemClock, name: 'dev-c', stateDir })).rejects.toMatchObject({
      code: ErrorCode.STATE_CORRUPT,
    });
  });

  it('of a modem without a state directory start from the profile factory credentials', async () => {
    const modem = new Modem({
      clock: systemClock,
      name: 'no-state',
      profile: { credentials: { factory: [{ secTag: 1, type: 4, content: 'id' }] } },
    });
    expect(await modem.channel().command('AT%CMNG=1')).toEqual([`%CMNG: 1,4,"${expectedSha('id')}"`]);
    expect(
      () =>
        new Modem({
          clock: systemClock,
          profile: { credentials: { factory: [{ secTag: 1, type: 0, content: 'junk' }] } },
        }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.CREDENTIAL_INVALID }));
  });
});
