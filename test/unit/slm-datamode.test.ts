import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { slmModem } from '../helpers/slm-modem.js';
import { untilRegistered } from '../helpers/registered.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A TCP server that records what each connection sent; `kill` resets every connection. */
async function sink(): Promise<{ port: number; data: () => string; kill(): void }> {
  let data = '';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return {
    port: (server.address() as net.AddressInfo).port,
    data: () => data,
    kill: () => {
      for (const s of sockets) s.resetAndDestroy();
    },
  };
}

async function connected(options: Parameters<typeof slmModem>[0] = {}) {
  const m = slmModem(options);
  cleanup.push(() => m.modem.close());
  await m.cmd('AT+CFUN=1');
  await untilRegistered(m.modem);
  const server = await sink();
  await m.cmd('AT#XSOCKET=1,1,0');
  expect(await m.cmd(`AT#XCONNECT="127.0.0.1",${server.port}`)).toBe('#XCONNECT: 1\r\nOK\r\n');
  return { m, server };
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}

describe('SLM data mode (#XSEND without data)', () => {
  it('enters with OK, sends raw bytes, and leaves on +++ with #XDATAMODE: 0', async () => {
    const { m, server } = await connected();
    expect(await m.cmd('AT#XSEND')).toBe('OK\r\n');
    m.clear();
    m.raw('AT+CGSN\r\nbinary \x00\xff line\r\n');
    m.raw('more+++');
    await m.until('#XDATAMODE: 0\r\n');
    await until(() => server.data() === 'AT+CGSN\r\nbinary \x00\xff line\r\nmore');
    expect(m.output()).toBe('#XDATAMODE: 0\r\n');
    expect(await m.cmd('AT')).toBe('OK\r\n');
  });

  it('takes bytes sent in the same write as the command, and commands right after the terminator', async () => {
    const { m, server } = await connected();
    m.clear();
    m.raw('AT#XSEND\r\nabc+++AT+CFUN?\r\n');
    await m.until('+CFUN: 1\r\nOK\r\n');
    expect(m.output()).toBe('OK\r\n#XDATAMODE: 0\r\n+CFUN: 1\r\nOK\r\n');
    await until(() => server.data() === 'abc');
  });

  it('sends what was typed when the client pauses (time limit), and treats a lone "+" as data', async () => {
    const { m, server } = await connected();
    expect(await m.cmd('AT#XSEND=""')).toBe('OK\r\n');
    m.raw('part 1 ++');
    await m.clock.advance(31);
    await new Promise((r) => setTimeout(r, 20));
    expect(server.data()).toBe('');
    await m.clock.advance(1);
    // The pause sends the data, and the held "++" as data too.
    await until(() => server.data() === 'part 1 ++');
    m.raw('+x +');
    m.raw('++');
    await m.until('#XDATAMODE: 0');
    await until(() => server.data() === 'part 1 +++x ');
  });

  it('holds notifications during data mode and writes them after #XDATAMODE', async () => {
    const { m } = await connected();
    expect(await m.cmd('AT#XSEND')).toBe('OK\r\n');
    m.clear();
    m.modem.notify('+CEREG: 1');
    m.raw('x');
    await new Promise((r) => setTimeout(r, 10));
    expect(m.output()).toBe('');
    m.raw('+++');
    await m.until('+CEREG: 1\r\n');
    expect(m.output()).toBe('#XDATAMODE: 0\r\n+CEREG: 1\r\n');
  });

  it('reports a failed send as a negative errno when the client leaves data mode', async () => {
    const { m, server } = await connected();
    expect(await m.cmd('AT#XSEND')).toBe('OK\r\n');
    server.kill();
    await new Promise((r) => setTimeout(r, 20));
    m.clear();
    m.raw('lost data');
    await m.clock.advance(32);
    await new Promise((r) => setTimeout(r, 10));
    m.raw('+++');
    await m.until(/#XDATAMODE: -\d+\r\n/);
    // ECONNRESET from the peer's reset.
    expect(m.output()).toBe('#XDATAMODE: -104\r\n');
  });

  it('with a silence guard (NCS 1.x), +++ inside data is data; alone between quiet periods it ends data mode', async () => {
    const { m, server } = await connected({ slm: { datamodeSilenceMs: 1000 } });
    expect(await m.cmd('AT#XSEND')).toBe('OK\r\n');
    m.clear();
    m.raw('a+++b');
    await m.clock.advance(1000);
    m.raw('+++');
    await m.clock.advance(500);
    m.raw('c');
    await m.clock.advance(1000);
    m.raw('+++');
    await m.clock.advance(999);
    expect(m.output()).toBe('');
    await m.clock.advance(1);
    await m.until('#XDATAMODE: 0\r\n');
    await until(() => server.data() === 'a+++b+++c');
  });

  it('refuses data mode on an in-process AT channel', async () => {
    const { m } = await connected();
    const r = await m.modem.channel().send('AT#XSEND');
    expect(r.finalLine).toBe('ERROR');
  });
});
