import { systemClock } from '../../core/clock.js';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { createDevice, type Device } from '../../firmware/device.js';
import type { PtyTransport } from '../../modem/transport/pty.js';
import { missingTools, tools } from '../helpers/system-tools.js';

const run = promisify(execFile);
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function boot(serial: string): Promise<Device> {
  const device = await createDevice({ clock: systemClock, name: `pty-${process.pid}`, serial });
  cleanup.push(() => device.close());
  return device;
}

/** Opens the port as a terminal program does, and sends raw bytes until `until` has been answered. */
async function open(path: string): Promise<{
  send(bytes: string, until?: RegExp): Promise<string>;
  /** Waits until what arrived after byte `from` matches `until`. */
  waitFor(until: RegExp, from: number): Promise<void>;
  readonly length: number;
  close(): Promise<void>;
}> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  await new Promise<void>((res) => port.flush(() => res()));
  let received = '';
  port.on('data', (d: Buffer) => (received += d.toString('latin1')));
  return {
    get length() {
      return received.length;
    },
    async waitFor(until, from) {
      const deadline = Date.now() + 5000;
      while (!until.test(received.slice(from))) {
        if (Date.now() > deadline) throw new Error(`no ${String(until)}: ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async send(bytes, until = /(OK|ERROR|\+CME ERROR: \d+)\r\n$/) {
      const from = received.length;
      port.write(Buffer.from(bytes, 'latin1'));
      const deadline = Date.now() + 5000;
      while (!until.test(received.slice(from))) {
        if (Date.now() > deadline)
          throw new Error(`no answer to ${JSON.stringify(bytes)}: ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return received.slice(from);
    },
    close: () => new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res())),
  };
}

describe('the serial port as at_host on a DK presents it', () => {
  it('edits lines (Backspace, DEL, NUL) and echoes CRLF for a terminal, over a real PTY', async () => {
    const device = await boot('pty');
    const port = await open((device.serial as PtyTransport).ptyPath);
    cleanup.push(() => port.close());
    expect(await port.send('A\bAT\r')).toBe('OK\r\n');
    expect(await port.send('AX\x7fT\r\n')).toBe('OK\r\n');
    expect(await port.send('ATE1\r')).toBe('OK\r\n');
    expect(await port.send('AT+CGSX\bN\r')).toBe(`AT+CGSX\b \bN\r\n${device.identity.imei}\r\nOK\r\n`);
    expect(await port.send('ATE0\r')).toBe('ATE0\r\nOK\r\n');
  });

  it('keeps +CMEE when a terminal closes and reopens the port; a reboot resets them', async () => {
    const device = await boot('pty');
    const path = (device.serial as PtyTransport).ptyPath;
    const first = await open(path);
    expect(await first.send('AT+CMEE=1\r\n')).toBe('OK\r\n');
    await first.close();
    const second = await open(path);
    cleanup.push(() => second.close());
    expect(await second.send('AT+CIMI\r\n')).toBe('+CME ERROR: 10\r\n');
    expect(await second.send('AT+CMEE?\r\n')).toBe('+CMEE: 1\r\nOK\r\n');
    const beforeReboot = second.length;
    await device.control.reboot();
    // The factory image (serial_lte_modem) prints its Ready line at every boot.
    await second.waitFor(/Ready\r\n$/, beforeReboot);
    expect(await second.send('AT+CMEE?\r\n')).toBe('+CMEE: 0\r\nOK\r\n');
  });

  const noPyserial = missingTools(tools.pyserial);
  const reason = noPyserial ?? (process.getuid?.() !== 0 ? 'needs root to create a link in /dev' : undefined);
  it.skipIf(reason !== undefined)(
    `a /dev/ttyUSB* link to the PTY is in pyserial's port list, as nrfcredstore 2.x looks ports up${reason ? ` (skipped: ${reason})` : ''}`,
    async () => {
      const link = `/dev/ttyUSB-nrf91sim-${process.pid}`;
      await boot(`pty:${link}`);
      cleanup.push(() => fs.rm(link, { force: true }));
      const script = `
import serial, sys
from serial.tools import list_ports
found = [p for p in list_ports.comports() if p.device == sys.argv[1]]
if not found:
    raise SystemExit('not listed')
s = serial.Serial(found[0].device, 115200, timeout=3, rtscts=True)
s.write(b'AT%HWVERSION\\r\\n')
buf = b''
while not buf.endswith(b'OK\\r\\n'):
    c = s.read(1)
    if not c:
        raise SystemExit('timeout after ' + repr(buf))
    buf += c
sys.stdout.write(buf.decode())
`;
      const { stdout } = await run(tools.pyserial.command, ['-c', script, link]);
      expect(stdout).toBe('%HWVERSION: nRF9160 SICA B1A\r\nOK\r\n');
    },
  );
});
