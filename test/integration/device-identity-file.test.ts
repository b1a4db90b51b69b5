import { systemClock } from '../../core/clock.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { Device } from '../../firmware/device.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-identity-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** Writes `content` as the identity.json of a device `name` in a fresh state directory. */
async function withIdentity(name: string, content: string): Promise<{ stateDir: string; file: string }> {
  const stateDir = path.join(dir, name);
  const file = path.join(stateDir, 'devices', name, 'identity.json');
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return { stateDir, file };
}

describe("a device's stored identity.json", () => {
  it('is read back as it was written: the same IMEI boot after boot', async () => {
    const stateDir = path.join(dir, 'round-trip');
    const first = await Device.boot({ clock: systemClock, name: 'round-trip', stateDir });
    const imei = first.identity.imei;
    await first.close();
    const again = await Device.boot({ clock: systemClock, name: 'round-trip', stateDir });
    expect(again.identity.imei).toBe(imei);
    await again.close();
  });

  const cases: Array<[string, unknown, RegExp]> = [
    [
      'an IMEI stored as a number',
      { imei: 352656100123457 },
      /field "imei" is number 352656100123457, expected a string of 15 digits/,
    ],
    [
      'an IMEI with a wrong check digit',
      { imei: '352656100123458' },
      /field "imei" is "352656100123458", expected a string of 15 digits with a valid Luhn/,
    ],
    ['an ICCID that is null', { iccid: null }, /field "iccid" is null, expected a string of 19-20 digits/],
    [
      'a model with a line break',
      { model: 'nRF9160\r\nOK' },
      /field "model" is "nRF9160\\r\\nOK", expected a string of printable text/,
    ],
    [
      'a modem firmware that is an object',
      { firmwareVersion: {} },
      /field "firmwareVersion" is an object, expected a modem firmware version/,
    ],
    [
      'a device UUID that is no UUID',
      { deviceUuid: 'abc' },
      /field "deviceUuid" is "abc", expected a UUID string/,
    ],
    ['a field no identity has', { imei: '352656100123457', colour: 'blue' }, /unknown field "colour"/],
    [
      'an array instead of an object',
      ['352656100123457'],
      /expected an object of identity fields, found an array/,
    ],
  ];
  for (const [what, content, message] of cases) {
    it(`with ${what} stops the boot with NRF91SIM_STATE_CORRUPT naming the file and the field`, async () => {
      const name = `id-${cases.findIndex((c) => c[0] === what)}`;
      const text = `${JSON.stringify(content)}\n`;
      const { stateDir, file } = await withIdentity(name, text);
      const boot = Device.boot({ clock: systemClock, name, stateDir });
      await expect(boot).rejects.toMatchObject({ code: ErrorCode.STATE_CORRUPT });
      await expect(boot).rejects.toThrow(message);
      await expect(boot).rejects.toThrow(file);
      // Nothing is changed on disk: the user can see and fix what is wrong.
      expect(await fs.readFile(file, 'utf8')).toBe(text);
    });
  }
});
