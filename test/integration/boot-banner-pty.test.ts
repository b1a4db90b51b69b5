import { promises as fs, constants as fsConstants, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-banner-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * A reader that opens the port without flushing it, as `cat` does: it gets what the device wrote
 * before anyone opened the port (the kernel keeps it). `serialport` and pyserial flush at open.
 */
function openUnflushed(link: string): { text: () => string; close(): void } {
  const stream = new tty.ReadStream(openSync(link, fsConstants.O_RDWR | fsConstants.O_NOCTTY));
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString('latin1')));
  stream.on('error', () => undefined);
  return { text: () => text, close: () => stream.destroy() };
}

/** A serial client (`serialport`, which flushes what was pending at open) that keeps what follows. */
async function openPort(link: string): Promise<{
  port: SerialPort;
  text: () => string;
  close(): Promise<void>;
  cmd(line: string): Promise<string>;
}> {
  const port = new SerialPort({ path: link, baudRate: 115200, autoOpen: false });
  let text = '';
  port.on('data', (d: Buffer) => (text += d.toString('latin1')));
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  return {
    port,
    text: () => text,
    close: () => new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res())),
    cmd: async (line: string) => {
      const from = text.length;
      port.write(`${line}\r\n`);
      return until(() => text, 'OK\r\n', from);
    },
  };
}

async function until(read: () => string, needle: string, from = 0, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!read().slice(from).includes(needle)) {
    if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(needle)} in ${JSON.stringify(read())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return read().slice(from);
}

async function boot(
  name: string,
  extra: string[] = [],
): Promise<{ cli: CliProcess; link: string; state: string }> {
  const link = path.join(dir, `tty-${name}`);
  const state = path.join(dir, `state-${name}`);
  const cli = startCli([
    'device',
    'boot',
    '--name',
    name,
    '--serial',
    `pty:${link}`,
    '--state',
    state,
    '--json',
    ...extra,
  ]);
  await cli.nextEvent('ready');
  return { cli, link, state };
}

const AT_CLIENT_BANNER = '*** Booting nRF Connect SDK v2.5.0 ***\r\nThe AT host sample started\r\nReady\r\n';

describe('the boot banner on the serial port, as a DK prints it', () => {
  it('an at_client image: the kernel banner and the sample lines at boot and after every reboot', async () => {
    const image = path.join(dir, 'at_client.bin');
    await fs.writeFile(image, buildAppImage({ app: 'at_client', version: '1.0.0' }));
    const { cli, link, state } = await boot('banner-at', ['--image', image]);
    const raw = openUnflushed(link);
    try {
      // The factory image ran first, then the flashed at_client: each boot printed its banner.
      expect(await until(raw.text, AT_CLIENT_BANNER)).toBe(`Ready\r\n${AT_CLIENT_BANNER}`);
    } finally {
      raw.close();
    }
    const term = await openPort(link);
    try {
      const reboot = await runCli(['device', 'control', 'reboot', '--name', 'banner-at', '--state', state]);
      expect(reboot.code).toBe(0);
      expect(await until(term.text, 'Ready\r\n')).toBe(AT_CLIENT_BANNER);
      expect(await term.cmd('AT+CGMI')).toBe('Nordic Semiconductor ASA\r\nOK\r\n');
    } finally {
      await term.close();
      await cli.stop();
    }
  });

  it('the Serial LTE Modem factory image: its Ready line, at boot and after a reboot', async () => {
    const { cli, link, state } = await boot('banner-slm');
    const raw = openUnflushed(link);
    try {
      expect(await until(raw.text, 'Ready\r\n')).toBe('Ready\r\n');
    } finally {
      raw.close();
    }
    const term = await openPort(link);
    try {
      expect(
        (await runCli(['device', 'control', 'power-cut', '--name', 'banner-slm', '--state', state])).code,
      ).toBe(0);
      expect(await until(term.text, 'Ready\r\n')).toBe('Ready\r\n');
      // AT#XRESET: OK, the reset 50 ms later, then Ready from the new boot.
      const from = term.text().length;
      term.port.write('AT#XRESET\r\n');
      expect(await until(term.text, 'Ready\r\n', from)).toBe('OK\r\nReady\r\n');
      expect(await term.cmd('AT+CFUN?')).toBe('+CFUN: 0\r\nOK\r\n');
    } finally {
      await term.close();
      await cli.stop();
    }
  });

  it('an image built with its own banner prints that instead', async () => {
    const image = path.join(dir, 'custom.bin');
    const built = await runCli([
      'image',
      'build',
      '--app',
      'at_client',
      '--version',
      '1.2.0',
      '--banner',
      'hello from 1.2.0',
      '--banner',
      'Ready',
      '-o',
      image,
    ]);
    expect(built.code).toBe(0);
    const { cli, link } = await boot('banner-own', ['--image', image]);
    const raw = openUnflushed(link);
    try {
      expect(await until(raw.text, 'hello from 1.2.0\r\nReady\r\n')).toBe(
        'Ready\r\nhello from 1.2.0\r\nReady\r\n',
      );
    } finally {
      raw.close();
      await cli.stop();
    }
  });
});
