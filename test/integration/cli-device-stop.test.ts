import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-stop-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a stopped device exits whatever a command waits for', () => {
  // -1 with a socket to wait on; the longest int32 timeout with none: the wait is a bare timer.
  for (const [timeout, socket] of [
    ['-1', true],
    ['2147483647', false],
  ] as const) {
    it(`SIGTERM during AT#XPOLL=${timeout} ends nrf91sim device boot within a second`, async () => {
      const link = path.join(dir, `tty${timeout}`);
      const cli = startCli([
        'device',
        'boot',
        '--serial',
        `pty:${link}`,
        '--state',
        path.join(dir, 'state'),
        '--json',
      ]);
      await cli.nextEvent('ready');
      const port = new SerialPort({ path: link, baudRate: 115200, autoOpen: false });
      await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
      let text = '';
      port.on('data', (d: Buffer) => (text += d.toString('latin1')));
      try {
        port.write(socket ? 'AT#XSOCKET=1,2,0\r\n' : 'AT\r\n');
        for (let i = 0; i < 500 && !text.includes('OK\r\n'); i++) await new Promise((r) => setTimeout(r, 10));
        expect(text).toBe(socket ? '#XSOCKET: 0,2,17\r\nOK\r\n' : 'OK\r\n');
        const before = text.length;
        port.write(`AT#XPOLL=${timeout}\r\n`);
        await new Promise((r) => setTimeout(r, 200));
        expect(text.slice(before)).toBe('');
        const stopped = performance.now();
        const exit = await cli.stop('SIGTERM');
        const took = performance.now() - stopped;
        expect(exit).toEqual({ code: 0, signal: null });
        expect(took).toBeLessThan(1000);
      } finally {
        await new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res()));
        await cli.stop();
      }
    });
  }
});
