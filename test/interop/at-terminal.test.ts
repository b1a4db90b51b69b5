import pty from 'node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevice, type Device } from '../../firmware/device.js';
import { PtyTransport } from '../../modem/transport/pty.js';
import { cliPath, repoRoot } from '../helpers/cli.js';

let device: Device;

beforeAll(async () => {
  device = await createDevice({ name: 'term', serial: 'pty' });
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
});
