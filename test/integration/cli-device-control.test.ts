import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';

let dir: string;
let cli: CliProcess;
let port: SerialPort;
let received = '';

/** Waits until the serial output (since `from`) contains `needle`. */
async function seen(needle: string, from: number, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!received.slice(from).includes(needle)) {
    if (Date.now() > deadline)
      throw new Error(`never saw ${JSON.stringify(needle)}; got ${JSON.stringify(received.slice(from))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function at(command: string): Promise<string> {
  const from = received.length;
  port.write(`${command}\r\n`);
  const deadline = Date.now() + 5000;
  while (!/(^|\n)(OK|ERROR|\+CME ERROR: \d+)\r\n/.test(received.slice(from))) {
    if (Date.now() > deadline) throw new Error(`no answer to ${command}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return received.slice(from);
}

const control = (...args: string[]): ReturnType<typeof runCli> =>
  runCli(['device', 'control', ...args, '--state', path.join(dir, 'state'), '--name', 'ctl']);

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-ctl-'));
  cli = startCli([
    'device',
    'boot',
    '--name',
    'ctl',
    '--serial',
    'pty',
    '--json',
    '--state',
    path.join(dir, 'state'),
  ]);
  const serial = await cli.nextEvent('serial');
  await cli.nextEvent('ready');
  port = new SerialPort({ path: serial.path as string, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  await new Promise<void>((res) => port.flush(() => res()));
  port.on('data', (d: Buffer) => (received += d.toString('latin1')));
});

afterAll(async () => {
  await new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res()));
  await cli.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a running device steered from another process (nrf91sim device control)', () => {
  it('registers over the PTY after AT+CFUN=1', async () => {
    expect(await at('AT+CEREG=5;+CSCON=1;+CGEREP=1;+CNEC=8')).toContain('OK\r\n');
    const from = received.length;
    expect(await at('AT+CFUN=1')).toMatch(/^OK\r\n/);
    await seen('+CGEV: ME PDN ACT 0\r\n', from);
    expect(received.slice(from)).toContain('+CEREG: 1,"002F","0012BEEF",7,,,"11100000","11100000"\r\n');
    const status = await control('status', '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      registration: 1,
      dataPath: true,
      ipv4: '10.160.1.74',
      app: 'serial_lte_modem',
    });
  });

  it('coverage off and on', async () => {
    let from = received.length;
    expect((await control('coverage', 'off')).code).toBe(0);
    await seen('+CEREG: 2\r\n', from);
    from = received.length;
    expect((await control('coverage', 'on')).code).toBe(0);
    await seen('+CEREG: 1,"002F","0012BEEF",7', from);
  });

  it('registration denied with a cause, then allowed', async () => {
    await seen('+CGEV: ME PDN ACT 0\r\n', 0);
    let from = received.length;
    expect((await control('deny', '13')).code).toBe(0);
    await seen('+CEREG: 3,"002F","0012BEEF",7,0,13\r\n', from);
    expect(received.slice(from)).toContain('+CNEC_EMM: 13\r\n');
    from = received.length;
    await control('allow');
    await seen('+CGEV: ME PDN ACT 0\r\n', from);
  });

  it('roaming, a PDN drop, the signal and the SIM', async () => {
    let from = received.length;
    await control('roaming', 'on');
    await seen('+CEREG: 5,"002F","0012BEEF",7', from);
    from = received.length;
    await control('pdn-drop');
    await seen('+CGEV: NW PDN DEACT 0\r\n', from);
    await seen('+CGEV: ME PDN ACT 0\r\n', from);
    expect((await control('signal', '--rsrp', '-118', '--rsrq', '-14')).code).toBe(0);
    expect(await at('AT+CESQ')).toBe('+CESQ: 99,99,255,255,12,23\r\nOK\r\n');
    from = received.length;
    await control('sim', 'remove');
    await seen('+CEREG: 90\r\n', from);
    expect(await at('AT+CIMI')).toBe('ERROR\r\n');
    from = received.length;
    await control('sim', 'insert');
    await seen('+CGEV: ME PDN ACT 0\r\n', from);
  });

  it('reports the energy estimate: time in each state, charge, mean current and battery life', async () => {
    const r = await control('energy', '--battery-mah', '1000', '--json');
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as {
      elapsedMs: number;
      timeMs: Record<string, number>;
      totalUah: number;
      averageUa: number;
      battery: { capacityMah: number; lifeDays: number };
    };
    const states = Object.values(e.timeMs).reduce((a, b) => a + b, 0);
    expect(states).toBeCloseTo(e.elapsedMs, 6);
    // The device registered (idle and connected time) and is on: more than the PSM floor.
    expect(e.timeMs.connected).toBeGreaterThan(0);
    expect(e.totalUah).toBeGreaterThan(0);
    expect(e.averageUa).toBeGreaterThan(2.7);
    expect(e.battery.capacityMah).toBe(1000);
    expect(e.battery.lifeDays).toBeCloseTo(1_000_000 / e.averageUa / 24, 6);
    const before = JSON.parse((await control('energy', '--reset', '--json')).stdout) as { elapsedMs: number };
    const after = JSON.parse((await control('energy', '--json')).stdout) as { elapsedMs: number };
    expect(before.elapsedMs).toBeGreaterThanOrEqual(e.elapsedMs);
    expect(after.elapsedMs).toBeLessThan(before.elapsedMs);
    const text = await control('energy');
    expect(text.stdout).toMatch(/^elapsedMs: \d+/m);
    const bad = await control('energy', '--battery-mah', '0');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('nrf91sim: --battery-mah: a capacity above 0 expected\n');
  });

  it('reboots and power-cycles: the modem starts over in CFUN=0 and the serial port keeps working', async () => {
    expect(await at('AT+CFUN?')).toBe('+CFUN: 1\r\nOK\r\n');
    let from = received.length;
    const reboot = await control('reboot', '--json');
    expect(reboot.code).toBe(0);
    expect(JSON.parse(reboot.stdout)).toMatchObject({ boot: { bootable: true, version: '1.0.0' } });
    // The Serial LTE Modem image says Ready after every reset.
    await seen('Ready\r\n', from);
    expect(await at('AT+CFUN?')).toBe('+CFUN: 0\r\nOK\r\n');
    expect(await at('AT+CEREG?')).toBe('+CEREG: 0,0\r\nOK\r\n');
    from = received.length;
    expect((await control('power-cut')).code).toBe(0);
    await seen('Ready\r\n', from);
    expect(await at('AT+CGMR')).toBe('mfw_nrf9160_1.3.5\r\nOK\r\n');
  });

  it('refuses bad requests with one clear line, and a second boot of the same device', async () => {
    const bad = await control('coverage', 'sideways');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('nrf91sim: coverage: expected on or off\n');
    const unknown = await control('teleport');
    expect(unknown.stderr).toMatch(/^nrf91sim: unknown action "teleport"/);
    const second = await runCli([
      'device',
      'boot',
      '--name',
      'ctl',
      '--serial',
      'none',
      '--state',
      path.join(dir, 'state'),
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^nrf91sim: device ctl is already running \(pid \d+\)/);
    const absent = await runCli([
      'device',
      'control',
      'status',
      '--name',
      'nobody',
      '--state',
      path.join(dir, 'state'),
    ]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/no running device found/);
  });
});
