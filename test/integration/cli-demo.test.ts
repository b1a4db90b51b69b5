import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAppImage } from '../../firmware/image/app-image.js';
import { runCli } from '../helpers/cli.js';

const root = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cli-demo-'));
afterAll(() => fs.rm(root, { recursive: true, force: true }));

function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('nrf91sim demo', () => {
  it('updates a device over the air through an AWS IoT job and leaves it running the new image', async () => {
    const state = path.join(root, 'kept');
    const r = await runCli(['demo', '--json', '--state', state]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const log = events(r.stdout);
    const names = log.map((e) => e.event);
    expect(names.filter((n) => n !== 'progress')).toEqual([
      'broker',
      'thing',
      'device',
      'flashed',
      'connected',
      'shadow',
      'job',
      'downloading',
      'job-status',
      'rebooted',
      'shadow',
      'done',
    ]);
    expect(log.filter((e) => e.event === 'progress').at(-1)).toMatchObject({ percent: 100 });
    expect(log.find((e) => e.event === 'job-status')).toMatchObject({ status: 'SUCCEEDED' });
    // The Device Shadow shows what the device reported before and after the update.
    const shadows = log.filter((e) => e.event === 'shadow').map((e) => e.reported);
    expect(shadows).toMatchObject([{ app_version: '1.0.0', batv: 3600 }, { app_version: '1.0.1' }]);
    expect(log.find((e) => e.event === 'rebooted')).toMatchObject({
      swapType: 'test',
      version: '1.0.1',
      confirmed: true,
    });
    // The kept state holds the device's flash, with the updated image in the primary slot.
    const thing = log.find((e) => e.event === 'thing')?.thing as string;
    const primary = await fs.readFile(path.join(state, 'devices', thing, 'flash', 'mcuboot_primary.bin'));
    expect(readAppImage(primary).manifest).toMatchObject({ app: 'aws_iot', version: '1.0.1' });
  });

  it('updates a fleet through one thing-group job, each device connecting as nrf-<IMEI>', async () => {
    const r = await runCli(['demo', '--json', '--devices', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const log = events(r.stdout);
    expect(log.find((e) => e.event === 'things')).toMatchObject({ count: 3 });
    expect(log.filter((e) => e.event === 'connected').at(-1)).toMatchObject({ count: 3 });
    expect(log.filter((e) => e.event === 'updated').at(-1)).toMatchObject({ count: 3 });
    expect(log.find((e) => e.event === 'job-status')).toMatchObject({ succeeded: 3 });
    expect(log.at(-1)).toMatchObject({ event: 'done', devices: 3 });
    expect(log.find((e) => e.event === 'things')).toMatchObject({
      group: expect.stringMatching(/^demo-[0-9a-f]{6}$/),
      first: expect.stringMatching(/^nrf-\d{15}$/),
      last: expect.stringMatching(/^nrf-\d{15}$/),
    });
  });

  it('fails with a clear error when it cannot finish in time, and leaves no temporary state', async () => {
    const before = new Set(await fs.readdir(os.tmpdir()));
    const r = await runCli(['demo', '--json', '--timeout', '0.3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nrf91sim: the demo did not finish within 0\.3 s\n$/);
    expect(events(r.stdout).at(-1)).toMatchObject({ event: 'error', code: 'NRF91SIM_DEMO_FAILED' });
    const left = (await fs.readdir(os.tmpdir())).filter(
      (f) => f.startsWith('nrf91sim-demo-') && !before.has(f),
    );
    expect(left).toEqual([]);
  });

  it('refuses a timeout that is not a positive number, an unknown link preset and a bad fleet size', async () => {
    const r = await runCli(['demo', '--timeout', 'soon']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('nrf91sim: --timeout must be a positive number\n');
    const l = await runCli(['demo', '--link', '5g']);
    expect(l.code).toBe(1);
    expect(l.stderr).toBe('nrf91sim: --link 5g: expected one of ideal, lte-m, nb-iot\n');
    const d = await runCli(['demo', '--devices', '0']);
    expect(d.code).toBe(1);
    expect(d.stderr).toBe('nrf91sim: --devices must be a whole number from 1 to 5000\n');
  });
});
