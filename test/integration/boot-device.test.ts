import { systemClock } from '../../core/clock.js';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDevice, type Device, type DeviceOptions } from '../../firmware/device.js';
import { buildAppImage, buildModemDelta } from '../../firmware/image/index.js';
import { AtClient, duplexLink } from '../../modem/at/client.js';

let stateDir: string;
const devices: Device[] = [];

beforeEach(async () => {
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-boot-'));
});

afterEach(async () => {
  for (const d of devices.splice(0)) await d.close();
  await fs.rm(stateDir, { recursive: true, force: true });
});

async function boot(options: Partial<DeviceOptions> = {}): Promise<Device> {
  const device = await createDevice({ clock: systemClock, name: 'fota-1', stateDir, ...options });
  devices.push(device);
  return device;
}

async function stage(device: Device, image: Buffer, mode: 'test' | 'permanent'): Promise<void> {
  const control = device.flash.imageControl();
  const writer = control.secondaryWriter();
  for (let off = 0; off < image.length; off += 2048) await writer.write(image.subarray(off, off + 2048));
  await writer.done();
  await control.requestUpgrade(mode);
}

async function cgmr(device: Device): Promise<string> {
  return (await device.modem.channel().command('AT+CGMR'))[0] ?? '';
}

describe('a device boots the image in its flash', () => {
  it('starts from a factory Serial LTE Modem image kept as a raw slot file', async () => {
    const device = await boot();
    expect(device.power).toBe('running');
    expect(device.manifest).toEqual({ app: 'serial_lte_modem', version: '1.0.0', config: {} });
    const primary = path.join(stateDir, 'devices', 'fota-1', 'flash', 'mcuboot_primary.bin');
    const data = await fs.readFile(primary);
    expect(data.length).toBe(0x74000);
    expect(data.subarray(0, 4).toString('hex')).toBe('3db8f396');
  });

  it('writes every flash operation through to the slot files: a staged update survives the process', async () => {
    const device = await boot();
    await stage(device, buildAppImage({ app: 'at_client', version: '1.2.0', size: 20_000 }), 'test');
    const secondary = path.join(stateDir, 'devices', 'fota-1', 'flash', 'mcuboot_secondary.bin');
    expect((await fs.readFile(secondary)).equals(device.flash.secondary.snapshot())).toBe(true);
    await device.close();
    devices.splice(devices.indexOf(device), 1);
    const again = await boot();
    expect(again.lastBoot?.swapType).toBe('test');
    expect(again.manifest?.version).toBe('1.2.0');
  });

  it('runs an update once as a test, then reverts on the next reset unless confirmed', async () => {
    const device = await boot();
    await stage(
      device,
      buildAppImage({ app: 'at_client', version: '1.1.0', config: { banner: 'v1.1' } }),
      'test',
    );
    const first = await device.control.reboot();
    expect(first.swapType).toBe('test');
    expect(device.manifest).toEqual({ app: 'at_client', version: '1.1.0', config: { banner: 'v1.1' } });
    const second = await device.control.reboot();
    expect(second.swapType).toBe('revert');
    expect(device.manifest?.version).toBe('1.0.0');
  });

  it('keeps an update that the application confirms, and starts the app the manifest names', async () => {
    const started: string[] = [];
    const apps: DeviceOptions['apps'] = {
      aws_iot: (ctx) => {
        started.push(`${ctx.manifest.app} ${ctx.manifest.version} ${JSON.stringify(ctx.manifest.config)}`);
        // aws_fota-based samples confirm the running image at start-up.
        void ctx.image.writeImgConfirmed();
        return { stop: () => started.push('stopped') };
      },
    };
    const device = await boot({ apps });
    await stage(
      device,
      buildAppImage({ app: 'aws_iot', version: '2.0.0', config: { endpoint: 'broker.local' } }),
      'test',
    );
    await device.control.reboot();
    await new Promise((r) => setImmediate(r));
    const again = await device.control.reboot();
    expect(again).toMatchObject({ swapType: 'none', image: { version: '2.0.0', confirmed: true } });
    expect(started).toEqual([
      'aws_iot 2.0.0 {"endpoint":"broker.local"}',
      'stopped',
      'aws_iot 2.0.0 {"endpoint":"broker.local"}',
    ]);
  });

  it('finishes a swap that a power cut interrupted, from the files on disk', async () => {
    const device = await boot();
    await stage(device, buildAppImage({ app: 'at_client', version: '3.0.0', size: 30_000 }), 'test');
    const result = await device.control.powerCut({ duringBootAtFlashOperation: 20 });
    expect(result.interruptedAtFlashOperation).toBe(20);
    expect(result.report).toMatchObject({ resumed: true, swapType: 'test', image: { version: '3.0.0' } });
    await device.close();
    devices.pop();
    // Starting the simulator again is a power-up: MCUboot reads the swapped slots from disk and
    // reverts the test image, which was never confirmed.
    const reopened = await boot();
    expect(reopened.lastBoot).toMatchObject({
      swapType: 'revert',
      image: { version: '1.0.0', confirmed: true },
    });
    expect(reopened.manifest?.version).toBe('1.0.0');
  });

  it('halts after a power cycle when the primary image is corrupt', async () => {
    const device = await boot();
    await device.flash.primary.write(0x210, Buffer.alloc(4, 0)); // into the manifest
    const { report } = await device.control.powerCut();
    expect(report.bootable).toBe(false);
    expect(device.power).toBe('halted');
    expect(device.appRunning).toBe(false);
  });
});

describe('modem delta updates', () => {
  it('change +CGMR at the next boot and survive a restart of the simulator', async () => {
    const device = await boot();
    expect(await cgmr(device)).toBe('mfw_nrf9160_1.3.5');
    const delta = buildModemDelta({ from: 'mfw_nrf9160_1.3.5', to: 'mfw_nrf9160_1.3.6', size: 5000 });
    await device.flash.modemDfu.erase();
    await device.flash.modemDfu.write(delta.subarray(0, 2048));
    await device.flash.modemDfu.write(delta.subarray(2048));
    await device.flash.modemDfu.schedule();
    expect(await cgmr(device)).toBe('mfw_nrf9160_1.3.5');
    const outcomes: unknown[] = [];
    device.on('boot', (_r, dfu) => outcomes.push(dfu?.result));
    await device.control.reboot();
    expect(await cgmr(device)).toBe('mfw_nrf9160_1.3.6');
    expect((await device.modem.channel().command('AT%SHORTSWVER'))[0]).toBe('%SHORTSWVER: nrf9160_1.3.6');
    await device.control.reboot();
    expect(outcomes).toEqual(['ok', undefined]);
    await device.close();
    devices.pop();
    expect(await cgmr(await boot())).toBe('mfw_nrf9160_1.3.6');
  });

  it('a delta for another base version fails with a UUID error and changes nothing', async () => {
    const device = await boot();
    await device.flash.modemDfu.write(
      buildModemDelta({ from: 'mfw_nrf9160_1.3.4', to: 'mfw_nrf9160_1.3.6' }),
    );
    await device.flash.modemDfu.schedule();
    const results: unknown[] = [];
    device.on('boot', (_r, dfu) => results.push(dfu));
    await device.control.reboot();
    expect(results).toEqual([expect.objectContaining({ result: 'uuid-error' })]);
    expect(await cgmr(device)).toBe('mfw_nrf9160_1.3.5');
  });

  it('is visible over the UART to a serial AT client after the reset', async () => {
    const device = await boot({ serial: 'tcp:0' });
    const address = (device.serial as unknown as { address: string }).address;
    const [host, port] = [
      address.slice(0, address.lastIndexOf(':')),
      Number(address.slice(address.lastIndexOf(':') + 1)),
    ];
    const ask = async (): Promise<string[]> => {
      const socket = net.connect({ host, port });
      await new Promise((r) => socket.once('connect', r));
      const client = new AtClient(duplexLink(socket), { clock: systemClock });
      try {
        return await client.command('AT+CGMR', 2000);
      } finally {
        socket.destroy();
      }
    };
    expect(await ask()).toEqual(['mfw_nrf9160_1.3.5']);
    await device.flash.modemDfu.write(buildModemDelta({ to: 'mfw_nrf9160_1.3.7' }));
    await device.flash.modemDfu.schedule();
    await device.control.reboot();
    expect(await ask()).toEqual(['mfw_nrf9160_1.3.7']);
  });
});
