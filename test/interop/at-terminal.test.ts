import { systemClock } from '../../core/clock.js';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevice, type Device } from '../../firmware/device.js';
import { PtyTransport } from '../../modem/transport/pty.js';
import { cliPath, repoRoot } from '../helpers/cli.js';

let device: Device;

const run = promisify(execFile);

/** Spawns `nrf91sim at <target>` in a real terminal and watches its screen. */
function terminal(target: string): {
  term: pty.IPty;
  screen: () => string;
  waitFor: (needle: string | RegExp, from?: number) => Promise<void>;
  exited: Promise<number>;
} {
  const term = pty.spawn(process.execPath, [cliPath, 'at', target], {
    cols: 120,
    rows: 30,
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' } as Record<string, string>,
  });
  let screen = '';
  term.onData((d) => (screen += d));
  const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
  const waitFor = async (needle: string | RegExp, from = 0): Promise<void> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const seen = screen.slice(from);
      if (typeof needle === 'string' ? seen.includes(needle) : needle.test(seen)) return;
      if (Date.now() > deadline) throw new Error(`no ${String(needle)} on screen: ${JSON.stringify(screen)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { term, screen: () => screen, waitFor, exited };
}

/** A TCP peer that answers every command line with `reply`, in one write (OK and a URC together). */
async function scriptedPeer(reply: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.on('data', () => socket.write(reply));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  device = await createDevice({ clock: systemClock, name: 'term', serial: 'pty' });
});
afterAll(async () => {
  await device.close();
});

describe('nrf91sim at: the interactive terminal, driven through a real terminal', () => {
  it('prompts, answers, recalls history with the up arrow, shows URCs apart, and leaves on Ctrl-D', async () => {
    const port = device.serial as PtyTransport;
    const term = pty.spawn(process.execPath, [cliPath, 'at', port.ptyPath], {
      cols: 120,
      rows: 30,
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' } as Record<string, string>,
    });
    let screen = '';
    term.onData((d) => (screen += d));
    const exited = new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    const waitFor = async (needle: string | RegExp, from = 0): Promise<void> => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const seen = screen.slice(from);
        if (typeof needle === 'string' ? seen.includes(needle) : needle.test(seen)) return;
        if (Date.now() > deadline)
          throw new Error(`no ${String(needle)} on screen: ${JSON.stringify(screen)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const imei = device.identity.imei;
    await waitFor('AT> ');
    let mark = screen.length;
    term.write('AT+CGSN\r');
    await waitFor(`${imei}\r\nOK`, mark);
    mark = screen.length;
    // Up arrow recalls the last command from the history.
    term.write('\x1b[A\r');
    await waitFor(`${imei}\r\nOK`, mark);
    mark = screen.length;
    device.modem.control.injectNotification('%MDMEV: ME OVERHEATED');
    await waitFor('« %MDMEV: ME OVERHEATED', mark);
    mark = screen.length;
    term.write('AT+NOPE\r');
    await waitFor('ERROR', mark);
    term.write('\x04');
    expect(await exited).toBe(0);
  });

  it('prints a URC that follows OK on the wire after the OK, in text and in --json', async () => {
    const peer = await scriptedPeer('OK\r\n+CEREG: 2\r\n');
    try {
      const text = await run(process.execPath, [
        cliPath,
        'at',
        `tcp:127.0.0.1:${peer.port}`,
        '-c',
        'AT+CFUN=1',
      ]);
      expect(text.stdout).toBe('OK\n« +CEREG: 2\n');
      const json = await run(process.execPath, [
        cliPath,
        'at',
        `tcp:127.0.0.1:${peer.port}`,
        '--json',
        '-c',
        'AT+CFUN=1',
      ]);
      expect(
        json.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as unknown),
      ).toEqual([
        { event: 'response', command: 'AT+CFUN=1', lines: [], final: 'OK', ok: true },
        { event: 'urc', line: '+CEREG: 2' },
      ]);
    } finally {
      await peer.close();
    }
  });

  it('redraws the prompt and the typed text after a URC; Ctrl-C clears the line instead of quitting', async () => {
    const port = device.serial as PtyTransport;
    const t = terminal(port.ptyPath);
    await t.waitFor('AT> ');
    let mark = t.screen().length;
    t.term.write('AT+CG');
    await t.waitFor('AT+CG', mark);
    mark = t.screen().length;
    device.modem.control.injectNotification('%MDMEV: ME OVERHEATED');
    await t.waitFor(/« %MDMEV: ME OVERHEATED[^]*AT> AT\+CG/, mark);
    mark = t.screen().length;
    t.term.write('SN\r');
    await t.waitFor(`${device.identity.imei}\r\nOK`, mark);
    mark = t.screen().length;
    t.term.write('AT+FOO');
    await t.waitFor('AT+FOO', mark);
    t.term.write('\x03');
    await t.waitFor(/\^C\r?\n[^]*AT> /, mark);
    mark = t.screen().length;
    t.term.write('AT\r');
    await t.waitFor(/\r\nOK\r\n/, mark);
    expect(t.screen().slice(mark)).not.toContain('ERROR');
    t.term.write('\x04');
    expect(await t.exited).toBe(0);
  });
});
