import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { socketPki, type SocketPki } from './socket-pki.js';
import { tlsEchoServer, type TlsEchoServer } from './socket-servers.js';

/** A serial terminal on the PTY: everything the modem wrote, and waits for text in it. */
class Terminal {
  private text = '';
  private readonly waiters = new Set<() => void>();

  constructor(private readonly port: SerialPort) {
    port.on('data', (d: Buffer) => {
      this.text += d.toString('latin1');
      for (const w of this.waiters) w();
    });
  }

  get length(): number {
    return this.text.length;
  }

  write(bytes: string): void {
    this.port.write(Buffer.from(bytes, 'latin1'));
  }

  /** Resolves with the output from `from` once it matches. */
  until(pattern: RegExp | string, from = 0, timeoutMs = 10_000): Promise<string> {
    const seen = (): string | undefined => {
      const out = this.text.slice(from);
      return (typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out)) ? out : undefined;
    };
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const out = seen();
        if (out === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(out);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${String(pattern)} in ${JSON.stringify(this.text.slice(from))}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Sends a command line; resolves with its response up to the final result (URCs after it excluded). */
  async cmd(line: string): Promise<string> {
    const from = this.text.length;
    this.write(`${line}\r\n`);
    const final = /(^|\r\n)(OK|ERROR|\+CME ERROR: \d+)\r\n/;
    const out = await this.until(final, from);
    const m = final.exec(out) as RegExpExecArray;
    return out.slice(0, m.index + m[0].length);
  }
}

const crlf = (pem: string): string => pem.replace(/\r?\n/g, '\r\n');

let dir: string;
let pki: SocketPki;
let echo: TlsEchoServer;
let aedes: Aedes;
let broker: net.Server;
const brokerSockets = new Set<net.Socket>();

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-slm-'));
  pki = await socketPki();
  echo = await tlsEchoServer(pki);
  aedes = await Aedes.createBroker();
  broker = net.createServer((s) => {
    brokerSockets.add(s);
    s.on('close', () => brokerSockets.delete(s));
    aedes.handle(s);
  });
  await new Promise<void>((r) => broker.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  await echo.close();
  for (const s of brokerSockets) s.destroy();
  await new Promise<void>((r) => broker.close(() => aedes.close(() => r())));
  await fs.rm(dir, { recursive: true, force: true });
});

describe('Serial LTE Modem commands over a real PTY (nrf91sim device boot)', () => {
  let cli: CliProcess;
  let port: SerialPort;
  let term: Terminal;

  beforeAll(async () => {
    const link = path.join(dir, 'tty-slm');
    cli = startCli([
      'device',
      'boot',
      '--serial',
      `pty:${link}`,
      '--json',
      '--state',
      path.join(dir, 'state'),
    ]);
    await cli.nextEvent('ready');
    port = new SerialPort({ path: link, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    await new Promise<void>((res) => port.flush(() => res()));
    term = new Terminal(port);
  });
  afterAll(async () => {
    await new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res()));
    await cli.stop();
  });

  it('stores credentials with %CMNG and talks to a TLS echo server through #XSSOCKET', async () => {
    for (const [type, pem] of [
      [0, pki.caPem],
      [1, pki.clientCertPem],
      [2, pki.clientKeyPem],
    ] as const) {
      expect(await term.cmd(`AT%CMNG=0,42,${type},"${crlf(pem)}"`)).toBe('OK\r\n');
    }
    expect(await term.cmd('AT+CFUN=1')).toBe('OK\r\n');
    // Wait for the network: name resolution needs it.
    for (let i = 0; (await term.cmd('AT#XGETADDRINFO="localhost",1')).endsWith('ERROR\r\n'); i++) {
      if (i > 100) throw new Error('no network');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await term.cmd('AT#XSSOCKET=1,1,0,42')).toBe('#XSSOCKET: 0,1,258\r\nOK\r\n');
    expect(await term.cmd('AT#XSSOCKETOPT=1,2,"localhost"')).toBe('OK\r\n');
    expect(await term.cmd(`AT#XCONNECT="localhost",${echo.port}`)).toBe('#XCONNECT: 1\r\nOK\r\n');
    expect(echo.handshakes.at(-1)).toEqual({
      resumed: false,
      clientCn: 'test-device-42',
      servername: 'localhost',
    });
    expect(await term.cmd('AT#XSEND="Hello, TLS!"')).toBe('#XSEND: 11\r\nOK\r\n');
    expect(await term.cmd('AT#XRECV=5')).toBe('#XRECV: 11\r\nHello, TLS!\r\nOK\r\n');

    // Data mode: raw bytes until "+++".
    expect(await term.cmd('AT#XSEND')).toBe('OK\r\n');
    const from = term.length;
    term.write('raw "bytes", 100% unquoted\r\n+++');
    expect(await term.until('#XDATAMODE: 0\r\n', from)).toBe('#XDATAMODE: 0\r\n');
    expect(await term.cmd('AT#XRECV=5')).toBe('#XRECV: 28\r\nraw "bytes", 100% unquoted\r\n\r\nOK\r\n');
    expect(await term.cmd('AT#XSOCKET=0')).toBe('#XSOCKET: 0,"closed"\r\nOK\r\n');
  });

  it('runs an MQTT session against aedes with #XMQTT commands and URCs', async () => {
    const brokerPort = (broker.address() as net.AddressInfo).port;
    const outside = await mqtt.connectAsync(`mqtt://127.0.0.1:${brokerPort}`, {
      clientId: 'outside',
      reconnectPeriod: 0,
    });
    try {
      await outside.subscribeAsync('slm/up');
      const up = new Promise<string>((r) => outside.once('message', (_t, p) => r(p.toString())));
      expect(await term.cmd('AT#XMQTTCFG="slm-pty-client",60,1')).toBe('OK\r\n');
      let from = term.length;
      expect(await term.cmd(`AT#XMQTTCON=1,"","","localhost",${brokerPort}`)).toBe('OK\r\n');
      await term.until('#XMQTTEVT: 0,0\r\n', from);
      from = term.length;
      await term.cmd('AT#XMQTTSUB="slm/down",1');
      await term.until('#XMQTTEVT: 7,0\r\n', from);
      from = term.length;
      await term.cmd('AT#XMQTTPUB="slm/up","hello from the serial port",1');
      await term.until('#XMQTTEVT: 3,0\r\n', from);
      expect(await up).toBe('hello from the serial port');
      from = term.length;
      await outside.publishAsync('slm/down', 'to the terminal');
      expect(await term.until('#XMQTTEVT: 2,0\r\n', from)).toBe(
        '#XMQTTMSG: 8,15\r\nslm/down\r\nto the terminal\r\n#XMQTTEVT: 2,0\r\n',
      );
      from = term.length;
      await term.cmd('AT#XMQTTCON=0');
      await term.until('#XMQTTEVT: 1,0\r\n', from);
    } finally {
      await outside.endAsync();
    }
  });
});

describe('nrf91sim device boot --link', () => {
  it('boots with a link preset and refuses an unknown one', async () => {
    const cli = startCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--link',
      'nb-iot',
      '--json',
      '--state',
      path.join(dir, 'link-state'),
    ]);
    try {
      expect((await cli.nextEvent('ready')).link).toBe('nb-iot');
    } finally {
      await cli.stop();
    }
    const bad = await runCli([
      'device',
      'boot',
      '--serial',
      'none',
      '--link',
      'wifi',
      '--json',
      '--state',
      dir,
    ]);
    expect(bad.code).not.toBe(0);
    expect(JSON.parse(bad.stdout.trim().split('\n').at(-1) as string)).toMatchObject({
      event: 'error',
      code: 'NRF91SIM_INVALID_ARGUMENT',
    });
  });
});
