import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { LINK_PRESETS, type LinkProfile } from '../../core/link.js';
import { Modem } from '../../modem/modem.js';
import { AF_INET, Errno, SocketError, SOCK_STREAM } from '../../modem/sockets/index.js';
import { collectingServer, tcpEchoServer, type CollectedConnection } from './socket-servers.js';
import { untilRegistered } from '../helpers/registered.js';

// Loss off and NAT off so the figures are exact; the core Link tests cover those.
const LTE_M: LinkProfile = { ...LINK_PRESETS['lte-m'], loss: 0, natTcpIdleMs: 0, natUdpIdleMs: 0 };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const realPause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Drives virtual time while real loopback I/O happens: give the real sockets a moment, then fire
 * the next link timer, until `done()`.
 */
async function drive(clock: VirtualClock, done: () => boolean, limit = 20_000): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (done()) return;
    await realPause(1);
    if (done()) return;
    await clock.runNext();
  }
  throw new Error('drive: gave up');
}

/** A TCP socket connected to 127.0.0.1:`port`, virtual time driven until the connect completes. */
async function connectDriven(clock: VirtualClock, modem: Modem, port: number): Promise<number> {
  const fd = modem.sockets.socket(AF_INET, SOCK_STREAM, 0);
  let connected = false;
  void modem.sockets
    .connect(fd, { family: AF_INET, address: '127.0.0.1', port })
    .then(() => (connected = true));
  await drive(clock, () => connected);
  return fd;
}

async function setup(link: LinkProfile | 'ideal') {
  const clock = new VirtualClock();
  const modem = new Modem({ name: 'link-sockets', clock, profile: { link } });
  cleanup.push(() => modem.close());
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return { clock, modem };
}

describe('the link applied to modem sockets (virtual time, real loopback server)', () => {
  it('LTE-M: TCP connect costs a round trip, an echo another, and bulk upload runs at 375 kbit/s', async () => {
    const server = await tcpEchoServer(false);
    cleanup.push(() => server.close());
    const { clock, modem } = await setup(LTE_M);
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    const t0 = clock.monotonic();
    let connected = false;
    void s
      .connect(fd, { family: AF_INET, address: '127.0.0.1', port: server.port })
      .then(() => (connected = true));
    await drive(clock, () => connected);
    const connectMs = clock.monotonic() - t0;
    expect(connectMs).toBeGreaterThanOrEqual(100);
    expect(connectMs).toBeLessThanOrEqual(140 + 5);

    const total = 60_000;
    const t1 = clock.monotonic();
    void (async () => {
      for (let sent = 0; sent < total; sent += 1000) await s.send(fd, Buffer.alloc(1000, 1));
    })();
    await drive(clock, () => server.received() >= total);
    const seconds = (clock.monotonic() - t1) / 1000;
    const bps = (total * 8) / seconds;
    // One-way latency is in the elapsed time: allow it, and nothing faster than the preset.
    expect(bps).toBeLessThanOrEqual(LTE_M.uplinkBps);
    expect(bps).toBeGreaterThan(LTE_M.uplinkBps * 0.95);
  });

  it('LTE-M: bulk download runs at 300 kbit/s, and an echo round trip takes 100–140 ms', async () => {
    const server = await tcpEchoServer(true);
    cleanup.push(() => server.close());
    const { clock, modem } = await setup(LTE_M);
    const s = modem.sockets;
    const fd = await connectDriven(clock, modem, server.port);

    const t0 = clock.monotonic();
    let echoed = false;
    void s.send(fd, Buffer.from('ping')).then(() => s.recv(fd, 4).then(() => (echoed = true)));
    await drive(clock, () => echoed);
    const rtt = clock.monotonic() - t0;
    expect(rtt).toBeGreaterThanOrEqual(100);
    expect(rtt).toBeLessThanOrEqual(140 + 5);

    // 40 kB up, echoed back: downlink is the slower direction and sets the pace. Throughput is
    // measured from the first byte received to the last, so the round trip is not counted.
    const total = 40_000;
    let received = 0;
    let firstAt = 0;
    let firstBytes = 0;
    void (async () => {
      for (let sent = 0; sent < total; sent += 1000) await s.send(fd, Buffer.alloc(1000, 2));
    })();
    void (async () => {
      while (received < total) {
        const n = (await s.recv(fd, 65536)).length;
        if (received === 0) {
          firstAt = clock.monotonic();
          firstBytes = n;
        }
        received += n;
      }
    })();
    await drive(clock, () => received >= total);
    const bps = ((total - firstBytes) * 8) / ((clock.monotonic() - firstAt) / 1000);
    expect(bps).toBeLessThanOrEqual(LTE_M.downlinkBps * 1.01);
    expect(bps).toBeGreaterThan(LTE_M.downlinkBps * 0.95);
  });

  it('a partition stalls a connection without breaking it; heal delivers what was held', async () => {
    const server = await tcpEchoServer(true);
    cleanup.push(() => server.close());
    const { clock, modem } = await setup(LTE_M);
    const s = modem.sockets;
    const fd = await connectDriven(clock, modem, server.port);
    modem.control.partitionLink();
    let reply: string | undefined;
    void s.send(fd, Buffer.from('held')).then(() => s.recv(fd, 10).then((d) => (reply = d.toString())));
    await clock.advance(30_000);
    await realPause(20);
    expect(server.received()).toBe(0);
    expect(reply).toBeUndefined();
    modem.control.healLink();
    await drive(clock, () => reply !== undefined);
    expect(reply).toBe('held');
  });

  it('close() right after a send on LTE-M: the bytes still cross the link, then the peer sees the end', async () => {
    const server = await collectingServer();
    cleanup.push(() => server.close());
    const { clock, modem } = await setup(LTE_M);
    const s = modem.sockets;
    const fd = await connectDriven(clock, modem, server.port);
    const payload = Buffer.alloc(12_000, 9);
    let accepted = 0;
    while (accepted < payload.length) accepted += await s.send(fd, payload.subarray(accepted));
    const t0 = clock.monotonic();
    s.close(fd);
    let got: CollectedConnection | undefined;
    void server.connection.then((c) => (got = c));
    await drive(clock, () => got !== undefined);
    expect(got?.data.equals(payload)).toBe(true);
    expect(got?.orderly).toBe(true);
    // 12 kB at 375 kbit/s take about 256 ms after close(): the link, not the close, set the pace.
    expect(clock.monotonic() - t0).toBeGreaterThan(200);
  });

  it('a closed connection that cannot deliver (partition) gives up after the TCP retransmission limit', async () => {
    const server = await collectingServer();
    cleanup.push(() => server.close());
    const { clock, modem } = await setup(LTE_M);
    const s = modem.sockets;
    const fd = await connectDriven(clock, modem, server.port);
    modem.control.partitionLink();
    await s.send(fd, Buffer.from('stuck'));
    s.close(fd);
    let got: CollectedConnection | undefined;
    void server.connection.then((c) => (got = c));
    await clock.advance(59_000);
    await realPause(20);
    expect(got).toBeUndefined();
    await clock.advance(1_000);
    await drive(clock, () => got !== undefined);
    expect(got?.data.length).toBe(0);
  });

  it('an idle TCP connection loses its NAT mapping: the next send is never answered and fails ETIMEDOUT', async () => {
    const server = await tcpEchoServer(true);
    cleanup.push(() => server.close());
    const { clock, modem } = await setup({ ...LTE_M, natTcpIdleMs: 5 * 60_000 });
    const s = modem.sockets;
    const fd = await connectDriven(clock, modem, server.port);
    await clock.advance(5 * 60_000 + 1);
    expect(await s.send(fd, Buffer.from('lost'))).toBe(4);
    let error: number | undefined;
    s.recv(fd, 10).catch((err: SocketError) => (error = err.errno));
    await clock.advance(59_000);
    await realPause(20);
    expect(server.received()).toBe(0);
    expect(error).toBeUndefined();
    await clock.advance(1_000);
    expect(error).toBe(Errno.ETIMEDOUT);
  });
});
