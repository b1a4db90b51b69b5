import { systemClock } from '../../core/clock.js';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { AtClient, duplexLink, emitterLink, type ByteLink } from '../../modem/at/client.js';
import { Modem } from '../../modem/modem.js';
import { connectMemoryPeer, createMemoryPair, type MemoryTransport } from '../../modem/transport/memory.js';
import { PtyTransport } from '../../modem/transport/pty.js';
import { TcpTransport } from '../../modem/transport/tcp.js';
import type { Transport } from '../../modem/transport/transport.js';

/** A client end: bytes in and out, and a way to leave (politely or by vanishing). */
interface ClientEnd {
  link: ByteLink;
  write(bytes: Buffer | string): void;
  close(): Promise<void>;
}

interface Harness {
  device: Transport;
  connect(): Promise<ClientEnd>;
  dispose(): Promise<void>;
}

const harnesses: Record<string, () => Promise<Harness>> = {
  memory: async () => {
    const { device } = createMemoryPair('conf');
    return {
      device,
      connect: async () => {
        const host = connectMemoryPeer(device as MemoryTransport, 'conf');
        return {
          link: emitterLink(host),
          write: (b) => host.write(b),
          close: () => host.close(),
        };
      },
      dispose: () => device.close(),
    };
  },
  pty: async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-pty-'));
    const device = await PtyTransport.open({ link: path.join(dir, 'port') });
    return {
      device,
      connect: async () => {
        const port = new SerialPort({ path: device.address, baudRate: 115200, autoOpen: false });
        await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
        await new Promise<void>((res) => port.flush(() => res()));
        port.on('error', () => {});
        return {
          link: duplexLink(port),
          write: (b) => port.write(b),
          close: () => new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res())),
        };
      },
      dispose: async () => {
        await device.close();
        await fs.rm(dir, { recursive: true, force: true });
      },
    };
  },
  tcp: async () => {
    const device = await TcpTransport.listen({ port: 0 });
    return {
      device,
      connect: async () => {
        const socket = net.connect({ port: device.port, host: '127.0.0.1' });
        await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej));
        socket.on('error', () => {});
        // The transport registers the client on its next turn.
        await new Promise((r) => setTimeout(r, 10));
        return {
          link: duplexLink(socket),
          write: (b) => socket.write(b),
          close: async () => void socket.destroy(),
        };
      },
      dispose: () => device.close(),
    };
  },
};

function slowModem(): Modem {
  const modem = new Modem({ clock: systemClock, name: 'conformance' });
  modem.commands.register({
    name: '#SLOW',
    ref: 'test',
    exec: async ({ modem: m }) => {
      await m.clock.sleep(300);
      return ['#SLOW: done'];
    },
  });
  modem.commands.register({
    name: '#BULK',
    ref: 'test',
    set: ({ params }) => {
      const n = params.int(0, { min: 1, max: 100_000 });
      return Array.from({ length: n }, (_, i) => `#BULK: ${String(i).padStart(8, '0')} ${'x'.repeat(40)}`);
    },
  });
  modem.commands.register({
    name: '#LEN',
    ref: 'test',
    set: ({ params }) => [`#LEN: ${params.string(0).length}`],
  });
  return modem;
}

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe.each(Object.keys(harnesses))('Transport conformance: %s', (kind) => {
  async function setup(): Promise<{ h: Harness; modem: Modem }> {
    const h = await (harnesses[kind] as () => Promise<Harness>)();
    const modem = slowModem();
    modem.attach(h.device);
    cleanup.push(async () => {
      await modem.close();
      await h.dispose();
    });
    return { h, modem };
  }

  it('carries an AT round trip', async () => {
    const { h, modem } = await setup();
    const c = await h.connect();
    const client = new AtClient(c.link, { clock: systemClock });
    expect(await client.send('AT+CGSN')).toEqual({ lines: [modem.identity.imei], final: 'OK', ok: true });
    await c.close();
  });

  it('assembles commands written one byte at a time', async () => {
    const { h, modem } = await setup();
    const c = await h.connect();
    const client = new AtClient(c.link, { clock: systemClock });
    const got = new Promise<string[]>((resolve) => {
      let text = '';
      c.link.onData((d) => {
        text += d.toString('latin1');
        if (text.endsWith('OK\r\n')) resolve(text.split('\r\n'));
      });
    });
    for (const byte of Buffer.from('AT+CGSN=1\r\n')) {
      c.write(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(await got).toEqual([`+CGSN: "${modem.identity.imei}"`, 'OK', '']);
    client.close();
    await c.close();
  });

  it('carries large writes both ways intact', async () => {
    const { h } = await setup();
    const c = await h.connect();
    const client = new AtClient(c.link, { clock: systemClock });
    const payload = 'P'.repeat(12_000);
    expect((await client.send(`AT#LEN="${payload}"`)).lines).toEqual(['#LEN: 12000']);
    const bulk = await client.send('AT#BULK=3000', 20_000);
    expect(bulk.lines).toHaveLength(3000);
    expect(bulk.lines[2999]).toBe(`#BULK: 00002999 ${'x'.repeat(40)}`);
    await c.close();
  });

  it('survives a client that leaves while a command runs, and serves the next client', async () => {
    const { h } = await setup();
    const first = await h.connect();
    first.write('AT#SLOW\r\n');
    await new Promise((r) => setTimeout(r, 50));
    await first.close();
    await new Promise((r) => setTimeout(r, 400));
    const second = await h.connect();
    const client = new AtClient(second.link, { clock: systemClock });
    expect(await client.send('AT+CGMM')).toEqual({ lines: ['nRF9160-SICA'], final: 'OK', ok: true });
    await second.close();
  });

  it('keeps serving while clients open and close repeatedly, with notifications flowing meanwhile', async () => {
    const { h, modem } = await setup();
    const noise = setInterval(() => modem.notify('%XTEMP: 1,81'), 5);
    try {
      for (let i = 0; i < 15; i++) {
        const c = await h.connect();
        const client = new AtClient(c.link, { clock: systemClock });
        expect((await client.send('AT+CGMR')).lines).toEqual(['mfw_nrf9160_1.3.5']);
        client.close();
        await c.close();
      }
    } finally {
      clearInterval(noise);
    }
  });

  it('forgets a half-typed line when its client leaves (where the peer can be seen)', async () => {
    const { h } = await setup();
    const first = await h.connect();
    first.write('AT+CGM');
    await new Promise((r) => setTimeout(r, 30));
    await first.close();
    await new Promise((r) => setTimeout(r, 30));
    const second = await h.connect();
    const client = new AtClient(second.link, { clock: systemClock });
    const r = await client.send('AT');
    if (kind === 'pty') {
      // A PTY cannot tell clients apart: the kernel hands the bytes over as one stream.
      expect(r.final).toBe('ERROR');
    } else {
      expect(r.final).toBe('OK');
    }
    await second.close();
  });

  it('ignores writes after close and closes only once', async () => {
    const { h } = await setup();
    let closes = 0;
    h.device.on('close', () => closes++);
    await h.device.close();
    await h.device.close();
    h.device.write('late');
    expect(h.device.closed).toBe(true);
    expect(closes).toBe(1);
  });
});

describe('TCP serial: one client at a time', () => {
  it('tells a second client the port is busy and keeps the first session', async () => {
    const device = await TcpTransport.listen({ port: 0 });
    const modem = slowModem();
    modem.attach(device);
    cleanup.push(async () => {
      await modem.close();
      await device.close();
    });
    const a = net.connect({ port: device.port, host: '127.0.0.1' });
    await new Promise((r) => a.once('connect', r));
    await new Promise((r) => setTimeout(r, 10));
    const b = net.connect({ port: device.port, host: '127.0.0.1' });
    let bText = '';
    b.on('data', (d: Buffer) => (bText += d.toString()));
    await new Promise((r) => b.once('close', r));
    expect(bText).toContain('in use');
    const client = new AtClient(duplexLink(a), { clock: systemClock });
    expect((await client.send('AT')).final).toBe('OK');
    a.destroy();
  });

  it('refuses a port that is already taken with PORT_IN_USE', async () => {
    const first = await TcpTransport.listen({ port: 0 });
    cleanup.push(() => first.close());
    await expect(TcpTransport.listen({ port: first.port })).rejects.toMatchObject({
      code: 'NRF91SIM_PORT_IN_USE',
    });
  });
});

describe('PTY serial', () => {
  it('refuses a link path whose directory is not writable, and a regular file in the way', async () => {
    await expect(PtyTransport.open({ link: '/proc/nrf91sim-link' })).rejects.toMatchObject({
      code: 'NRF91SIM_PATH_UNWRITABLE',
    });
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-pty-'));
    await fs.writeFile(path.join(dir, 'file'), 'x');
    await expect(PtyTransport.open({ link: path.join(dir, 'file') })).rejects.toMatchObject({
      code: 'NRF91SIM_PATH_UNWRITABLE',
    });
    expect(await fs.readFile(path.join(dir, 'file'), 'utf8')).toBe('x');
    await fs.rm(dir, { recursive: true });
  });

  it('never blocks the process when nobody reads: output is bounded and the next client is served', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-pty-'));
    const t = await PtyTransport.open({ link: path.join(dir, 'port') });
    const modem = slowModem();
    modem.attach(t);
    cleanup.push(async () => {
      await modem.close();
      await t.close();
      await fs.rm(dir, { recursive: true, force: true });
    });
    const line = `%XTEMP: 1,81 ${'z'.repeat(200)}`;
    for (let i = 0; i < 5000; i++) modem.notify(line);
    // The event loop stays responsive while about 1 MB waits for a reader that never comes.
    const started = performance.now();
    await new Promise((r) => setTimeout(r, 20));
    expect(performance.now() - started).toBeLessThan(500);
    const port = new SerialPort({ path: t.ptyPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    port.on('error', () => {});
    // A client that does not flush first sees the backlog, then its own answer. Opening the port
    // flushes the kernel's input queue at an arbitrary byte, so at most one line arrives cut short.
    const client = new AtClient(duplexLink(port), { clock: systemClock });
    const urcs: string[] = [];
    client.on('urc', (l) => urcs.push(l));
    const r = await client.send('AT+CGMM', 10_000);
    expect(r.final).toBe('OK');
    expect(r.lines.at(-1)).toBe('nRF9160-SICA');
    expect(r.lines.length).toBeLessThanOrEqual(2);
    expect(urcs.length).toBeGreaterThan(0);
    expect(urcs.every((u) => u === line)).toBe(true);
    await new Promise<void>((res) => port.close(() => res()));
  });

  it('replaces a stale symlink and removes its own link on close', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-pty-'));
    const link = path.join(dir, 'port');
    await fs.symlink('/dev/pts/does-not-exist', link);
    const t = await PtyTransport.open({ link });
    expect(await fs.readlink(link)).toBe(t.ptyPath);
    await t.close();
    await expect(fs.lstat(link)).rejects.toMatchObject({ code: 'ENOENT' });
    await fs.rm(dir, { recursive: true });
  });
});
