import { systemClock } from '../../core/clock.js';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { DeviceControlServer, ensureNotRunning, sendControl } from '../../firmware/control/index.js';
import { Device } from '../../firmware/device.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-ctlproto-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('the device control protocol, without the CLI (as a fleet runner uses it)', () => {
  it('serves a device, answers requests, refuses a second server and clears its files on close', async () => {
    const device = await Device.boot({ clock: systemClock, name: 'proto-1', stateDir: dir });
    const deviceDir = device.stateDir as string;
    const server = await DeviceControlServer.start(device, deviceDir);
    try {
      expect(await sendControl(deviceDir, { action: 'status' })).toMatchObject({
        name: 'proto-1',
        power: 'running',
        app: 'serial_lte_modem',
        functionalMode: 0,
      });
      expect(await sendControl(deviceDir, { action: 'temperature', celsius: 85 })).toMatchObject({
        temperatureC: 85,
      });
      await expect(sendControl(deviceDir, { action: 'deny', cause: 300 })).rejects.toThrow(/EMM cause 0-255/);
      await expect(ensureNotRunning(deviceDir, 'proto-1')).rejects.toMatchObject({
        code: ErrorCode.PORT_IN_USE,
      });
      expect(await sendControl(deviceDir, { action: 'reboot' })).toEqual({
        boot: { bootable: true, version: '1.0.0' },
      });
    } finally {
      await server.close();
      await device.close();
    }
    await expect(fs.stat(path.join(deviceDir, 'control.json'))).rejects.toThrow();
    await expect(sendControl(deviceDir, { action: 'status' })).rejects.toMatchObject({
      code: ErrorCode.DEVICE_NOT_RUNNING,
    });
  });
});
