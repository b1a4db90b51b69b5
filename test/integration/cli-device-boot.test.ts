import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidImei } from '../../modem/identity.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { missingTools, tools } from '../helpers/system-tools.js';

const exec = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cli-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Writes `command\r\n` and collects bytes until a final result line. */
async function exchange(port: SerialPort, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(
      () => reject(new Error(`no answer to ${command}: ${JSON.stringify(text)}`)),
      5000,
    );
    const onData = (d: Buffer): void => {
      text += d.toString('latin1');
      if (/(^|\r\n)(OK|ERROR|\+CME ERROR: \d+)\r\n$/.test(text)) {
        clearTimeout(timer);
        port.off('data', onData);
        resolve(text);
      }
    };
    port.on('data', onData);
    port.write(`${command}\r\n`);
  });
}

describe('nrf91sim device boot --serial pty', () => {
  let cli: CliProcess;
  let ptyPath: string;
  let imei: string;
  const link = (): string => path.join(dir, 'nrf91-0');

  beforeAll(async () => {
    cli = startCli([
      'device',
      'boot',
      '--serial',
      `pty:${link()}`,
      '--json',
      '--state',
      path.join(dir, 'state'),
    ]);
    const serial = await cli.nextEvent('serial');
    ptyPath = serial.path as string;
    expect(serial.link).toBe(link());
    const ready = await cli.nextEvent('ready');
    imei = ready.imei as string;
  });
  afterAll(async () => {
    await cli.stop();
  });

  it('prints a real PTY path and a valid IMEI', async () => {
    expect(ptyPath).toMatch(/^\/dev\/pts\/\d+$/);
    expect((await fs.stat(ptyPath)).isCharacterDevice()).toBe(true);
    expect(await fs.readlink(link())).toBe(ptyPath);
    expect(isValidImei(imei)).toBe(true);
  });

  it('serves a scripted AT session to the serialport package, byte for byte', async () => {
    const port = new SerialPort({ path: ptyPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    await new Promise<void>((res) => port.flush(() => res()));
    try {
      expect(await exchange(port, 'AT')).toBe('OK\r\n');
      expect(await exchange(port, 'AT+CGSN')).toBe(`${imei}\r\nOK\r\n`);
      expect(await exchange(port, 'AT+CGSN=1')).toBe(`+CGSN: "${imei}"\r\nOK\r\n`);
      expect(await exchange(port, 'AT+FOO')).toBe('ERROR\r\n');
      expect(await exchange(port, 'AT+CMEE=1')).toBe('OK\r\n');
      expect(await exchange(port, 'AT+CIMI')).toBe('+CME ERROR: 10\r\n');
      expect(await exchange(port, 'AT+CFUN=4;+CFUN?')).toBe('+CFUN: 4\r\nOK\r\n');
      expect(await exchange(port, 'AT+CMEE=0;+CFUN=0')).toBe('OK\r\n');
    } finally {
      await new Promise<void>((res) => port.close(() => res()));
    }
  });

  const noPyserial = missingTools(tools.pyserial);
  it.skipIf(noPyserial !== undefined)(
    `serves the same session to Debian's python3-serial through the symlink${noPyserial ? ` (skipped: ${noPyserial})` : ''}`,
    async () => {
      const script = `
import serial, sys
s = serial.Serial(sys.argv[1], 115200, timeout=3)
out = b''
for cmd in [b'AT', b'AT+CGSN', b'AT+CGSN=1', b'AT+FOO', b'AT%HWVERSION']:
    s.write(cmd + b'\\r\\n')
    buf = b''
    while not (buf.endswith(b'OK\\r\\n') or buf.endswith(b'ERROR\\r\\n')):
        c = s.read(1)
        if not c:
            raise SystemExit('timeout after ' + repr(buf))
        buf += c
    out += buf
s.close()
sys.stdout.write(out.decode('latin1'))
`;
      const { stdout } = await exec('/usr/bin/python3', ['-c', script, link()]);
      expect(stdout).toBe(
        `OK\r\n${imei}\r\nOK\r\n+CGSN: "${imei}"\r\nOK\r\nERROR\r\n%HWVERSION: nRF9160 SICA B1A\r\nOK\r\n`,
      );
    },
  );

  it('answers `nrf91sim at <port> -c ...` and reports a failed command with a non-zero exit', async () => {
    const ok = await runCli(['at', link(), '-c', 'AT+CGSN', 'AT+CGMM']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`${imei}\nOK\nnRF9160-SICA\nOK\n`);
    const failed = await runCli(['at', ptyPath, '--json', '-c', 'AT+NOPE']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toEqual({
      event: 'response',
      command: 'AT+NOPE',
      lines: [],
      final: 'ERROR',
      ok: false,
    });
  });

  it('takes commands from a pipe', async () => {
    const r = await runCli(['at', link()], {}, 'AT\nAT+CGMR\n');
    expect(r.stdout).toBe('OK\nmfw_nrf9160_1.3.5\nOK\n');
    expect(r.code).toBe(0);
  });
});

describe('nrf91sim device boot lifecycle', () => {
  it('shuts down cleanly on SIGTERM and SIGINT (exit 0, link removed)', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const link = path.join(dir, `life-${signal}`);
      const cli = startCli([
        'device',
        'boot',
        '--serial',
        `pty:${link}`,
        '--json',
        '--state',
        path.join(dir, 'life'),
      ]);
      await cli.nextEvent('ready');
      const exit = await cli.stop(signal);
      expect(exit.code).toBe(0);
      await expect(fs.lstat(link)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });

  it('keeps its identity across restarts with the same state, and an --imei given once sticks', async () => {
    const state = path.join(dir, 'sticky');
    const boot = async (extra: string[]): Promise<string> => {
      const cli = startCli([
        'device',
        'boot',
        '--serial',
        'none',
        '--json',
        '--state',
        state,
        '--name',
        'dev-7',
        ...extra,
      ]);
      const ready = await cli.nextEvent('ready');
      await cli.stop();
      return ready.imei as string;
    };
    const first = await boot([]);
    expect(await boot([])).toBe(first);
    expect(await boot(['--imei', '352656100123457'])).toBe('352656100123457');
    expect(await boot([])).toBe('352656100123457');
    const stored = JSON.parse(
      await fs.readFile(path.join(state, 'devices', 'dev-7', 'identity.json'), 'utf8'),
    );
    expect(stored.imei).toBe('352656100123457');
  });

  it('serves AT on a loopback TCP port with --serial tcp:0', async () => {
    const cli = startCli(['device', 'boot', '--serial', 'tcp:0', '--json', '--state', path.join(dir, 'tcp')]);
    const serial = await cli.nextEvent('serial');
    expect(serial.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const ready = await cli.nextEvent('ready');
    const r = await runCli(['at', `tcp:${(serial.address as string).split(':')[1]}`, '-c', 'AT+CGSN']);
    expect(r.stdout).toBe(`${ready.imei as string}\nOK\n`);
    await cli.stop();
  });

  it('--time-scale 60 runs the modem clock 60 times faster: a minute of +CCLK passes in about a second', async () => {
    const cli = startCli([
      'device',
      'boot',
      '--serial',
      'tcp:0',
      '--time-scale',
      '60',
      '--json',
      '--state',
      path.join(dir, 'scaled'),
    ]);
    const serial = await cli.nextEvent('serial');
    const ready = await cli.nextEvent('ready');
    expect(ready.timeScale).toBe(60);
    const port = (serial.address as string).split(':')[1] as string;
    const cclk = async (): Promise<number> => {
      const r = await runCli(['at', `tcp:${port}`, '-c', 'AT+CCLK="24/01/01,00:00:00+00"', '-c', 'AT+CCLK?']);
      const m = /\+CCLK: "24\/01\/01,(\d\d):(\d\d):(\d\d)/.exec(r.stdout);
      if (!m) throw new Error(`no +CCLK answer: ${r.stdout}`);
      return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    };
    // Set and read back in one session; the gap between them is one AT round trip of wall time.
    expect(await cclk()).toBeLessThan(60);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = await runCli(['at', `tcp:${port}`, '-c', 'AT+CCLK?']);
    const m = /\+CCLK: "24\/01\/01,(\d\d):(\d\d):(\d\d)/.exec(later.stdout);
    expect(m).not.toBeNull();
    const seconds = Number(m?.[1]) * 3600 + Number(m?.[2]) * 60 + Number(m?.[3]);
    // 1.5 s of wall time is 90 s of device time (two CLI runs add more, never less).
    expect(seconds).toBeGreaterThanOrEqual(90);
    await cli.stop();
  });
});

describe('nrf91sim device boot errors: one clear line and a non-zero exit', () => {
  it('a TCP port in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const r = await runCli(['device', 'boot', '--serial', `tcp:${port}`, '--state', path.join(dir, 'busy')]);
    blocker.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`nrf91sim: TCP port ${port} on 127.0.0.1 is already in use\n`);
  });

  it('a bad flag, a bad serial spec, a bad IMEI', async () => {
    const flag = await runCli(['device', 'boot', '--frobnicate']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--frobnicate'/);
    const spec = await runCli(['device', 'boot', '--serial', 'usb']);
    expect(spec.code).toBe(1);
    expect(spec.stderr.trim().split('\n')).toHaveLength(1);
    expect(spec.stderr).toMatch(/--serial usb: expected pty/);
    const imei = await runCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--imei',
      '123',
      '--state',
      path.join(dir, 'bad'),
    ]);
    expect(imei.code).toBe(1);
    expect(imei.stderr).toMatch(/IMEI 123 is not 15 digits/);
    const scale = await runCli(['device', 'boot', '--serial', 'none', '--time-scale', '0']);
    expect(scale.code).toBe(1);
    expect(scale.stderr).toBe('nrf91sim: --time-scale 0: expected a number from 1 to 1000000\n');
  });

  it('an unwritable state path or link path', async () => {
    const file = path.join(dir, 'a-file');
    await fs.writeFile(file, 'x');
    const state = await runCli(['device', 'boot', '--serial', 'none', '--state', path.join(file, 'sub')]);
    expect(state.code).toBe(1);
    expect(state.stderr).toMatch(/^nrf91sim: state directory .* is not writable/);
    // Node's recursive mkdir never returns under /proc; the device must refuse at once instead.
    const proc = await runCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--state',
      '/proc/nrf91sim-x',
      '--json',
    ]);
    expect(proc.code).toBe(1);
    expect(proc.stderr).toMatch(/NRF91SIM_PATH_UNWRITABLE|state directory .* is not writable/);
    const link = await runCli([
      'device',
      'boot',
      '--serial',
      'pty:/proc/nope/port',
      '--state',
      path.join(dir, 'ok'),
    ]);
    expect(link.code).toBe(1);
    expect(link.stderr).toMatch(/^nrf91sim: cannot create \/proc\/nope\/port/);
  });

  it('an identity.json whose IMEI is a number: NRF91SIM_STATE_CORRUPT naming the file and the field', async () => {
    const state = path.join(dir, 'identity-number');
    const file = path.join(state, 'devices', 'nrf91-0', 'identity.json');
    await fs.mkdir(path.dirname(file), { recursive: true });
    const content = `${JSON.stringify({ imei: 352656100123457 })}\n`;
    await fs.writeFile(file, content);
    const r = await runCli(['device', 'boot', '--serial', 'none', '--state', state, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ event: 'error', code: 'NRF91SIM_STATE_CORRUPT' });
    expect(r.stderr).toBe(
      `nrf91sim: ${file}: field "imei" is number 352656100123457, expected a string of 15 digits with a valid Luhn check digit; fix or delete the file\n`,
    );
    expect(await fs.readFile(file, 'utf8')).toBe(content);
  });

  it('`nrf91sim at` on a port that does not exist', async () => {
    const r = await runCli(['at', path.join(dir, 'missing'), '-c', 'AT']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nrf91sim: cannot open .*missing/);
  });

  it('--help on every command', async () => {
    for (const args of [['--help'], ['device', '--help'], ['device', 'boot', '--help'], ['at', '--help']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: nrf91sim/);
    }
  });
});
