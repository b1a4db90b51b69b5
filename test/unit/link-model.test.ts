import { describe, expect, it } from 'vitest';
import { VirtualClock, type Clock } from '../../core/clock.js';
import { Link, LINK_PRESETS, type LinkProfile } from '../../core/link.js';
import { Random } from '../../core/random.js';

const LTE_M_NO_LOSS: LinkProfile = { ...LINK_PRESETS['lte-m'], loss: 0 };

function setup(profile: LinkProfile | 'ideal' | 'lte-m' | 'nb-iot', seed = 'link-test') {
  const clock = new VirtualClock();
  const link = new Link(clock, new Random(seed), profile);
  return { clock, link };
}

/** Sends `chunks` chunks of `size` bytes at t=0 and returns each one's arrival time (ms). */
async function bulk(
  profile: LinkProfile,
  direction: 'up' | 'down',
  chunks: number,
  size: number,
  seed?: string,
) {
  const { clock, link } = setup(profile, seed);
  const flow = link.flow('stream');
  const arrivals: number[] = [];
  for (let i = 0; i < chunks; i++) flow.send(direction, size, () => arrivals.push(clock.monotonic()));
  await clock.runUntilIdle();
  return arrivals;
}

describe('Link model on the virtual clock', () => {
  it('ideal: delivers synchronously, no timers', () => {
    const { clock, link } = setup('ideal');
    const flow = link.flow('stream');
    let got = false;
    flow.send('up', 100_000, () => (got = true));
    expect(got).toBe(true);
    expect(clock.pending).toBe(0);
    expect(link.ideal).toBe(true);
  });

  it('LTE-M: bulk uplink and downlink run at the preset rates; one-way latency is 50–70 ms', async () => {
    const size = 1000;
    const chunks = 100; // 100 kB
    for (const [direction, bps] of [
      ['up', LTE_M_NO_LOSS.uplinkBps],
      ['down', LTE_M_NO_LOSS.downlinkBps],
    ] as const) {
      const arrivals = await bulk(LTE_M_NO_LOSS, direction, chunks, size);
      expect(arrivals).toHaveLength(chunks);
      const serialization = (size * 8000) / bps;
      // The first chunk: its serialization plus latency plus jitter.
      const first = (arrivals[0] as number) - serialization;
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(70);
      // Throughput over the transfer, latency excluded: the link rate within 2 %.
      const span = (arrivals.at(-1) as number) - (arrivals[0] as number);
      const measured = ((chunks - 1) * size * 8000) / span;
      expect(Math.abs(measured - bps) / bps).toBeLessThan(0.02);
      // In order.
      expect([...arrivals].sort((a, b) => a - b)).toEqual(arrivals);
    }
  });

  it('NB-IoT is an order of magnitude slower than LTE-M for the same transfer', async () => {
    const nb = await bulk({ ...LINK_PRESETS['nb-iot'], loss: 0 }, 'down', 20, 1000);
    const m = await bulk(LTE_M_NO_LOSS, 'down', 20, 1000);
    expect(nb.at(-1) as number).toBeGreaterThan(10 * (m.at(-1) as number));
    // 20 kB at 26 kbit/s ≈ 6.2 s, plus 0.8–1.4 s latency.
    expect(nb.at(-1) as number).toBeGreaterThan(6150 + 800);
    expect(nb.at(-1) as number).toBeLessThan(6160 + 1400);
  });

  it('is reproducible: the same seed gives the same arrivals, another seed does not', async () => {
    const a = await bulk(LINK_PRESETS['nb-iot'], 'up', 50, 500, 'seed-a');
    const b = await bulk(LINK_PRESETS['nb-iot'], 'up', 50, 500, 'seed-a');
    const c = await bulk(LINK_PRESETS['nb-iot'], 'up', 50, 500, 'seed-b');
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('loses datagrams at the configured rate; a stream loses nothing and pays retransmissions', async () => {
    const lossy: LinkProfile = { ...LTE_M_NO_LOSS, loss: 0.2 };
    const { clock, link } = setup(lossy);
    const dgram = link.flow('datagram');
    let delivered = 0;
    for (let i = 0; i < 2000; i++) dgram.send('up', 100, () => delivered++);
    await clock.runUntilIdle();
    expect(delivered / 2000).toBeGreaterThan(0.75);
    expect(delivered / 2000).toBeLessThan(0.85);
    const streamArrivals = await bulk(lossy, 'up', 100, 1000);
    expect(streamArrivals).toHaveLength(100);
    const clean = await bulk(LTE_M_NO_LOSS, 'up', 100, 1000);
    // Retransmission timeouts (≥ 1 s each, partly hidden behind later segments) stretch the transfer.
    expect((streamArrivals.at(-1) as number) - (clean.at(-1) as number)).toBeGreaterThan(500);
  });

  it('partition holds stream traffic until heal and drops datagrams', async () => {
    const { clock, link } = setup(LTE_M_NO_LOSS);
    const stream = link.flow('stream');
    const dgram = link.flow('datagram');
    const got: string[] = [];
    link.partition();
    stream.send('down', 10, () => got.push('s1'));
    stream.send('down', 10, () => got.push('s2'));
    dgram.send('down', 10, () => got.push('d'));
    await clock.advance(60_000);
    expect(got).toEqual([]);
    link.heal();
    await clock.runUntilIdle();
    expect(got).toEqual(['s1', 's2']);
    expect(clock.monotonic()).toBeGreaterThanOrEqual(60_050);
  });

  it('expires an idle NAT mapping after the preset lifetime; traffic keeps it alive', async () => {
    const { clock, link } = setup(LTE_M_NO_LOSS);
    let expiredAt: number | undefined;
    const flow = link.flow('stream', () => (expiredAt = clock.monotonic()));
    await clock.advance(10 * 60_000);
    flow.send('up', 10, () => undefined);
    await clock.advance(10 * 60_000);
    expect(expiredAt).toBeUndefined();
    await clock.advance(5 * 60_000 + 100);
    expect(expiredAt).toBe(25 * 60_000);
  });

  it('models a handshake as round trips: two on LTE-M take at least 200 ms', async () => {
    const { clock, link } = setup(LTE_M_NO_LOSS);
    let done = false;
    void link
      .flow('stream')
      .exchange(2, 600, 3000)
      .then(() => (done = true));
    await clock.advance(199);
    expect(done).toBe(false);
    await clock.runUntilIdle();
    expect(done).toBe(true);
    expect(clock.monotonic()).toBeLessThan(2 * (140 + 80) + 100);
  });
});

describe('Link profiles', () => {
  it('refuses unknown presets and impossible figures with INVALID_ARGUMENT', () => {
    const { link } = setup('ideal');
    const invalid = expect.objectContaining({ code: 'NRF91SIM_INVALID_ARGUMENT' });
    expect(() => link.setProfile('wifi' as 'ideal')).toThrow(invalid);
    expect(() => link.setProfile({ ...LTE_M_NO_LOSS, loss: 1 })).toThrow(invalid);
    expect(() => link.setProfile({ ...LTE_M_NO_LOSS, latencyMs: -1 })).toThrow(invalid);
    expect(() => link.setProfile({ ...LTE_M_NO_LOSS, uplinkBps: 0 })).toThrow(invalid);
    link.setProfile('nb-iot');
    expect(link.profile.name).toBe('nb-iot');
    expect(link.ideal).toBe(false);
  });
});

describe('Link model when time moves while a stream is sent', () => {
  it('delivers a stream in order even when the timer of a later chunk is due first', async () => {
    // On the system clock, precise time moves on between two sends in one event-loop turn (TLS
    // work, a busy machine): two chunks due at the same moment get timers whose delays differ, and
    // the later one may fire first. This clock shows that every time: 0.6 ms pass per reading.
    const virtual = new VirtualClock();
    let skew = 0;
    const clock: Clock = {
      now: () => virtual.now(),
      monotonic: () => virtual.monotonic() + (skew += 0.6),
      setTimeout: (fn, ms) => virtual.setTimeout(fn, ms),
      setInterval: (fn, ms) => virtual.setInterval(fn, ms),
      sleep: (ms, signal) => virtual.sleep(ms, signal),
    };
    const profile: LinkProfile = {
      ...LINK_PRESETS['lte-m'],
      loss: 0,
      latencyMs: 10,
      jitterMs: 30,
      uplinkBps: 1e12,
    };
    const link = new Link(clock, new Random('order'), profile);
    const flow = link.flow('stream');
    const order: number[] = [];
    for (let i = 0; i < 200; i++) flow.send('up', 40, () => order.push(i));
    await virtual.runUntilIdle();
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});
