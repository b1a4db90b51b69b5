import { systemClock } from '../../core/clock.js';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isSimError } from '../../core/errors.js';
import { AppRegistry } from '../../firmware/app-registry.js';
import { builtInApps } from '../../firmware/apps/built-in.js';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';

describe('the application registry', () => {
  it('knows the built-in samples by their NCS names', () => {
    expect(builtInApps().names()).toEqual([
      'at_client',
      'aws_fota',
      'aws_iot',
      'cloud_client',
      'freertos_shadow',
      'nrf_cloud',
      'serial_lte_modem',
    ]);
  });

  it('refuses a second application with the same name and names that no manifest can carry', () => {
    const apps = new AppRegistry().register('my_app', () => ({ stop: () => {} }));
    expect(() => apps.register('my_app', () => ({ stop: () => {} }))).toThrow(/already registered/);
    expect(() => apps.register('My App', () => ({ stop: () => {} }))).toThrow(/lower-case letters/);
  });

  it('answers an unknown name with APP_UNKNOWN naming the applications it has', () => {
    let error: unknown;
    try {
      builtInApps().get('asset_tracker');
    } catch (err) {
      error = err;
    }
    expect(isSimError(error, ErrorCode.APP_UNKNOWN)).toBe(true);
    expect((error as Error).message).toBe(
      'no application named "asset_tracker" on this device (known: at_client, aws_fota, aws_iot, cloud_client, freertos_shadow, nrf_cloud, serial_lte_modem)',
    );
  });

  it('lets a device run an application it was given, replacing a built-in one of that name', async () => {
    const started: string[] = [];
    const apps = builtInApps().with({
      at_client: (ctx) => {
        started.push(`${ctx.manifest.app} ${ctx.manifest.version}`);
        return { stop: () => started.push('stopped') };
      },
    });
    const device = await Device.boot({
      clock: systemClock,
      name: 'registry-own',
      apps,
      firmware: { image: buildAppImage({ app: 'at_client', version: '1.0.0' }) },
    });
    await device.control.reboot();
    await device.close();
    expect(started).toEqual(['at_client 1.0.0', 'stopped', 'at_client 1.0.0', 'stopped']);
  });

  it('boots an image whose application it does not have: nothing runs and the device says why', async () => {
    const device = await Device.boot({
      clock: systemClock,
      name: 'registry-missing',
      firmware: { image: buildAppImage({ app: 'asset_tracker', version: '1.0.0' }) },
    });
    try {
      expect(device.power).toBe('running');
      expect(device.appRunning).toBe(false);
      expect(device.appError?.code).toBe(ErrorCode.APP_UNKNOWN);
      const missing = new Promise<[string, string]>((resolve) =>
        device.once('app-missing', (name, err) => resolve([name, err.message])),
      );
      await device.control.reboot();
      expect(await missing).toEqual([
        'asset_tracker',
        'no application named "asset_tracker" on this device (known: at_client, aws_fota, aws_iot, cloud_client, freertos_shadow, nrf_cloud, serial_lte_modem)',
      ]);
    } finally {
      await device.close();
    }
  });
});
