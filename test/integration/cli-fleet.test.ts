import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openBrokerConsole } from '../../broker-fixtures/index.js';
import { systemClock } from '../../core/clock.js';
import { Random } from '../../core/random.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';

const dirs: string[] = [];
const running: CliProcess[] = [];
afterAll(async () => {
  for (const c of running) await c.stop('SIGKILL');
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function tempState(): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-fleet-'));
  dirs.push(d);
  return d;
}

function lines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Sends one AT command over a TCP AT port and returns the answer up to OK/ERROR. */
function at(address: string, command: string): Promise<string> {
  const [host, port] = address.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host);
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`no answer to ${command}: ${JSON.stringify(text)}`)),
      10_000,
    );
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (/\r\n(OK|ERROR)\r\n/.test(text)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
}

describe('nrf91sim fleet', () => {
  it(
    'boots 300 devices over two workers against the stand-in, all READY, with a summary',
    { timeout: 180_000 },
    async () => {
      const state = await tempState();
      const started = Date.now();
      const r = await runCli([
        'fleet',
        'boot',
        '--count',
        '300',
        '--workers',
        '2',
        '--until-ready',
        '--json',
        '--state',
        state,
      ]);
      const seconds = (Date.now() - started) / 1000;
      expect(r.code, r.stderr).toBe(0);
      const events = lines(r.stdout);
      const summary = events.at(-1)!;
      expect(summary).toMatchObject({
        event: 'summary',
        devices: 300,
        ready: 300,
        failed: 0,
        workers: 2,
        errors: {},
      });
      const p = summary.boot_to_ready_ms as { p50: number; p95: number; p99: number };
      expect(p.p50).toBeGreaterThan(0);
      expect(p.p99).toBeGreaterThanOrEqual(p.p50);
      expect(summary.rss_per_device_kb).toBeGreaterThan(0);
      const ready = new Set(
        events.filter((e) => e.event === 'device' && e.phase === 'ready').map((e) => e.device),
      );
      expect(ready.size).toBe(300);
      // The state directory holds 300 devices, each with its own credentials, identity and flash.
      const devices = await fs.readdir(path.join(state, 'devices'));
      expect(devices).toHaveLength(300);
      for (const name of ['fleet-0', 'fleet-150', 'fleet-299']) {
        const files = await fs.readdir(path.join(state, 'devices', name));
        expect(files).toEqual(expect.arrayContaining(['credentials.json', 'identity.json', 'flash']));
        expect((await fs.stat(path.join(state, 'devices', name, 'flash', 'mcuboot_primary.bin'))).size).toBe(
          0x74000,
        );
      }
      // Each device's thing is registered, named after its IMEI.
      const console = await openBrokerConsole(state, {
        clock: systemClock,
        random: new Random('cli-fleet-test'),
      });
      try {
        const { things } = await console.request<{ things: Array<{ thingName: string }> }>('GET', '/things');
        expect(things).toHaveLength(300);
        const imei = (
          JSON.parse(await fs.readFile(path.join(state, 'devices', 'fleet-7', 'identity.json'), 'utf8')) as {
            imei: string;
          }
        ).imei;
        expect(things.map((t) => t.thingName)).toContain(`nrf-${imei}`);
      } finally {
        await console.close();
      }
      // On two loaded cores this takes some 10-40 s; it must not take minutes.
      expect(seconds).toBeLessThan(150);
    },
  );

  it(
    'attaches an AT port on demand, survives a killed worker, and stops on Ctrl-C with the summary',
    { timeout: 120_000 },
    async () => {
      const state = await tempState();
      const cli = startCli(['fleet', 'boot', '--count', '6', '--workers', '2', '--json', '--state', state]);
      running.push(cli);
      await cli.nextEvent('fleet', 60_000);
      const readyDevices = new Set<string>();
      while (readyDevices.size < 6) {
        const e = await cli.nextEvent('device', 60_000);
        if (e.phase === 'ready') readyDevices.add(e.device as string);
        expect(e.phase).not.toBe('failed');
      }

      const status = await runCli(['fleet', 'status', '--json', '--state', state]);
      expect(status.code, status.stderr).toBe(0);
      const s = JSON.parse(status.stdout) as {
        summary: { ready: number };
        workers: Array<{ index: number; pid: number }>;
      };
      expect(s.summary.ready).toBe(6);

      // A second fleet on the same state would run the same devices: refused before anything boots.
      const second = await runCli(['fleet', 'boot', '--count', '2', '--state', state]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/a fleet is already running on/);

      // fleet attach: one device's AT port, opened now, answers like the device's UART.
      const attached = await runCli([
        'fleet',
        'attach',
        'fleet-1',
        '--serial',
        'tcp:0',
        '--json',
        '--state',
        state,
      ]);
      expect(attached.code, attached.stderr).toBe(0);
      const { address } = JSON.parse(attached.stdout) as { address: string };
      const imei = (
        JSON.parse(await fs.readFile(path.join(state, 'devices', 'fleet-1', 'identity.json'), 'utf8')) as {
          imei: string;
        }
      ).imei;
      expect(await at(address, 'AT+CGSN')).toBe(`${imei}\r\nOK\r\n`);

      // Worker 1 (fleet-1, fleet-3, fleet-5) dies: its devices fail with the cause, nothing restarts.
      const pid = s.workers.find((w) => w.index === 1)!.pid;
      process.kill(pid, 'SIGKILL');
      const exit = await cli.nextEvent('worker-exit', 20_000);
      expect(exit).toMatchObject({ worker: 1, cause: 'worker-exit:SIGKILL' });
      const failed = new Map<string, unknown>();
      while (failed.size < 3) {
        const e = await cli.nextEvent('device', 20_000);
        if (e.phase === 'failed') failed.set(e.device as string, e.cause);
      }
      expect(Object.fromEntries(failed)).toEqual({
        'fleet-1': 'worker-exit:SIGKILL',
        'fleet-3': 'worker-exit:SIGKILL',
        'fleet-5': 'worker-exit:SIGKILL',
      });
      // The fleet and the broker keep running: a device of worker 0 reboots and connects again.
      const reboot = await runCli(['fleet', 'control', 'fleet-2', 'reboot', '--state', state]);
      expect(reboot.code, reboot.stderr).toBe(0);
      for (;;) {
        const e = await cli.nextEvent('device', 30_000);
        if (e.device === 'fleet-2' && e.phase === 'ready') break;
      }
      const gone = await runCli(['fleet', 'attach', 'fleet-3', '--serial', 'tcp:0', '--state', state]);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(/worker of fleet-3 has exited/);

      // Ctrl-C: the fleet stops cleanly and prints the summary.
      cli.child.kill('SIGINT');
      const summary = await cli.nextEvent('summary', 30_000);
      expect(summary).toMatchObject({
        devices: 6,
        ready: 3,
        failed: 3,
        errors: { 'worker-exit:SIGKILL': 3 },
      });
      expect((await cli.exited).code).toBe(1);
      await expect(fs.stat(path.join(state, 'fleet', 'control.json'))).rejects.toThrow(/ENOENT/);
    },
  );

  it(
    'uses the broker running on its state directory, on another loopback address',
    { timeout: 90_000 },
    async () => {
      const state = await tempState();
      const broker = startCli([
        'broker',
        '--host',
        '127.0.0.2',
        '--port',
        '0',
        '--alpn-port',
        '0',
        '--api-port',
        '0',
        '--json',
        '--state',
        state,
      ]);
      running.push(broker);
      const ready = await broker.nextEvent('ready', 30_000);
      expect(ready.host).toBe('127.0.0.2');
      const r = await runCli([
        'fleet',
        'boot',
        '--count',
        '4',
        '--workers',
        '2',
        '--until-ready',
        '--json',
        '--state',
        state,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const events = lines(r.stdout);
      expect(events[0]).toMatchObject({
        event: 'fleet',
        brokerStarted: false,
        broker: `${ready.endpoint}:${ready.mqttPort}`,
      });
      expect(events.at(-1)).toMatchObject({ event: 'summary', devices: 4, ready: 4, failed: 0 });
      // The things are in the running broker's registry.
      const res = await fetch(`${ready.apiUrl as string}/things`);
      const { things } = (await res.json()) as { things: unknown[] };
      expect(things).toHaveLength(4);
      await broker.stop('SIGINT');
    },
  );

  it('refuses a bad count and an unknown application with a clear message', async () => {
    const state = await tempState();
    const zero = await runCli(['fleet', 'boot', '--count', '0', '--state', state]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--count: a positive whole number expected/);
    const app = await runCli(['fleet', 'boot', '--count', '1', '--app', 'zephyr_blinky', '--state', state]);
    expect(app.code).toBe(1);
    expect(app.stderr).toMatch(/--app zephyr_blinky: a fleet runs aws_iot or nrf_cloud/);
    const cloud = await runCli(['fleet', 'boot', '--count', '1', '--app', 'nrf_cloud', '--state', state]);
    expect(cloud.code).toBe(1);
    expect(cloud.stderr).toMatch(
      /--app nrf_cloud: a fleet cannot provision and associate nRF Cloud devices yet/,
    );
    const none = await runCli(['fleet', 'status', '--state', state]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no fleet is running/);
  });
});
