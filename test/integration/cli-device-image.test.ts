import { systemClock } from '../../core/clock.js';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { generateSigningKey } from '../../firmware/image/keys.js';
import { runCli, startCli } from '../helpers/cli.js';
import { createThing, startStandIn, type StandIn } from './broker-helpers.js';

let s: StandIn;
let dir: string;
beforeAll(async () => {
  s = await startStandIn();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cli-image-'));
});
afterAll(async () => {
  await s.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('nrf91sim device boot --image', () => {
  it('flashes the aws_iot sample, which connects with the manifest credentials and reports to its shadow', async () => {
    const thing = 'cli-sample';
    const creds = await createThing(s.fixtures, thing);
    await fs.writeFile(path.join(dir, 'ca.pem'), s.fixtures.ca.certificatePem);
    await fs.writeFile(path.join(dir, 'cert.pem'), creds.cert);
    await fs.writeFile(path.join(dir, 'key.pem'), creds.key);
    const manifest = path.join(dir, 'credentials.json');
    await fs.writeFile(
      manifest,
      JSON.stringify([
        { secTag: 201, type: 0, file: 'ca.pem' },
        { secTag: 201, type: 1, file: 'cert.pem' },
        { secTag: 201, type: 2, file: 'key.pem' },
      ]),
    );
    const { endpoint, mqttPort } = s.fixtures.endpoints;
    const image = path.join(dir, 'aws_iot.bin');
    await fs.writeFile(
      image,
      buildAppImage({
        app: 'aws_iot',
        version: '1.2.0',
        config: { endpoint, port: mqttPort, secTag: 201, clientId: thing, appTopics: [`${thing}/in`] },
      }),
    );
    const cli = startCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      path.join(dir, 'state'),
      '--name',
      thing,
      '--credentials',
      manifest,
      '--image',
      image,
      '--json',
    ]);
    try {
      expect(await cli.nextEvent('flashed')).toMatchObject({ app: 'aws_iot', version: '1.2.0' });
      let event: Record<string, unknown>;
      do event = await cli.nextEvent('app', 30_000);
      while (event.app !== 'shadow-update');
      expect(event).toMatchObject({ state: { reported: { app_version: '1.2.0' } } });
    } finally {
      await cli.stop();
    }
  });

  it('refuses a file that is no firmware image before anything is flashed', async () => {
    const junk = path.join(dir, 'junk.bin');
    await fs.writeFile(junk, Buffer.alloc(100, 0x42));
    const state = path.join(dir, 'junk-state');
    const r = await runCli(['device', 'boot', '--serial', 'none', '--state', state, '--image', junk]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nrf91sim: --image .*junk\.bin: /);
    await expect(fs.stat(path.join(state, 'devices'))).rejects.toThrow();
  });

  it('refuses an image whose hash does not match with the code `image info` gives, and flashes nothing', async () => {
    const bad = buildAppImage({ app: 'at_client', version: '1.0.1' });
    bad.writeUInt8(bad.readUInt8(0x200 + 40) ^ 0xff, 0x200 + 40); // a body byte: the SHA-256 TLV no longer matches
    const file = path.join(dir, 'tampered.bin');
    await fs.writeFile(file, bad);
    const info = await runCli(['image', 'info', file, '--json']);
    expect(info.code).toBe(1);
    const report = JSON.parse(info.stdout) as { valid: boolean; problems: Array<{ code: string }> };
    expect(report.valid).toBe(false);
    expect(report.problems[0]?.code).toBe('NRF91SIM_IMAGE_HASH_MISMATCH');

    const state = path.join(dir, 'tampered-state');
    const r = await runCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      state,
      '--image',
      file,
      '--json',
    ]);
    expect(r.code).toBe(1);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toEqual([
      { event: 'error', code: 'NRF91SIM_IMAGE_HASH_MISMATCH', message: expect.any(String) },
    ]);
    expect(r.stderr).toMatch(/^nrf91sim: --image .*tampered\.bin: hash mismatch.*nothing was flashed\n$/);
    await expect(fs.stat(path.join(state, 'devices'))).rejects.toThrow();
  });

  it('refuses an unsigned image for a device whose bootloader has keys, as `image info --key` does', async () => {
    const key = generateSigningKey();
    const state = path.join(dir, 'keyed-state');
    const signed = buildAppImage({ app: 'at_client', version: '1.0.0', signingKey: key.privateKeyPem });
    const keyed = await Device.boot({
      clock: systemClock,
      name: 'keyed',
      stateDir: state,
      firmware: { image: signed, bootloaderKeys: [key.publicKeyPem] },
    });
    await keyed.close();
    const file = path.join(dir, 'unsigned.bin');
    await fs.writeFile(file, buildAppImage({ app: 'at_client', version: '1.0.1' }));
    await fs.writeFile(path.join(dir, 'bootloader.pub.pem'), key.publicKeyPem);
    const info = await runCli([
      'image',
      'info',
      file,
      '--key',
      path.join(dir, 'bootloader.pub.pem'),
      '--json',
    ]);
    const problem = (JSON.parse(info.stdout) as { problems: Array<{ code: string }> }).problems[0];
    expect(problem?.code).toBe('NRF91SIM_IMAGE_UNSIGNED');

    const slot = path.join(state, 'devices', 'keyed', 'flash', 'mcuboot_primary.bin');
    const before = await fs.readFile(slot);
    const r = await runCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      state,
      '--name',
      'keyed',
      '--image',
      file,
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      event: 'error',
      code: 'NRF91SIM_IMAGE_UNSIGNED',
    });
    expect((await fs.readFile(slot)).equals(before)).toBe(true);
  });
});

describe('nrf91sim device boot when MCUboot finds no bootable image', () => {
  /** Boots `name` once (the default image), then replaces its primary slot with `corrupt(slot)`. */
  async function corruptSlot(state: string, name: string, corrupt: (slot: Buffer) => Buffer): Promise<void> {
    const cli = startCli(['device', 'boot', '--serial', 'none', '--state', state, '--name', name, '--json']);
    await cli.nextEvent('ready');
    await cli.stop();
    const slot = path.join(state, 'devices', name, 'flash', 'mcuboot_primary.bin');
    await fs.writeFile(slot, corrupt(await fs.readFile(slot)));
  }

  it('says halted with the reason, in --json and in text, instead of ready, and exits 1', async () => {
    const state = path.join(dir, 'halt-state');
    await corruptSlot(state, 'halts', (slot) => randomBytes(slot.length));
    const cli = startCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      state,
      '--name',
      'halts',
      '--json',
    ]);
    const halted = await cli.nextEvent('halted');
    expect(halted).toEqual({
      event: 'halted',
      name: 'halts',
      code: 'NRF91SIM_IMAGE_BAD_MAGIC',
      reason: expect.stringMatching(/magic/i),
    });
    expect((await cli.exited).code).toBe(1);
    await expect(cli.nextEvent('ready', 100)).rejects.toThrow(/exited/);

    const text = await runCli(['device', 'boot', '--serial', 'none', '--state', state, '--name', 'halts']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /^device halts halted: MCUboot found no bootable image \(.+\); flash one with --image\n$/,
    );
  });

  it('names the hash mismatch of a tampered slot, and a good --image brings the device back', async () => {
    const state = path.join(dir, 'tamper-slot-state');
    await corruptSlot(state, 'tampered', (slot) => {
      slot.writeUInt8(slot.readUInt8(0x200 + 8) ^ 0x01, 0x200 + 8);
      return slot;
    });
    const r = await runCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      state,
      '--name',
      'tampered',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    expect(last).toMatchObject({ event: 'halted', code: 'NRF91SIM_IMAGE_HASH_MISMATCH' });

    const good = path.join(dir, 'good.bin');
    await fs.writeFile(good, buildAppImage({ app: 'at_client', version: '1.0.2' }));
    const cli = startCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      state,
      '--name',
      'tampered',
      '--image',
      good,
      '--json',
    ]);
    try {
      expect(await cli.nextEvent('flashed')).toMatchObject({ version: '1.0.2' });
      expect(await cli.nextEvent('ready')).toMatchObject({ name: 'tampered' });
    } finally {
      await cli.stop();
    }
  });

  it('says which application is missing when the image names one the simulator does not have', async () => {
    const image = path.join(dir, 'lwm2m_client.bin');
    await fs.writeFile(image, buildAppImage({ app: 'lwm2m_client', version: '1.0.0' }));
    const state = path.join(dir, 'missing-state');
    const cli = startCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      state,
      '--image',
      image,
      '--json',
    ]);
    try {
      expect(await cli.nextEvent('app-missing')).toMatchObject({
        app: 'lwm2m_client',
        code: 'NRF91SIM_APP_UNKNOWN',
        message: expect.stringMatching(/^no application named "lwm2m_client" on this device \(known: /),
      });
      expect(await cli.nextEvent('flashed')).toMatchObject({ app: 'lwm2m_client', version: '1.0.0' });
    } finally {
      await cli.stop();
    }
  });
});
