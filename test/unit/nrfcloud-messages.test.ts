import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { EventLog } from '../../broker-fixtures/event-log.js';
import { MemoryStore } from '../../broker-fixtures/store/memory-store.js';
import { NrfCloudBus } from '../../broker-fixtures/nrf-cloud/bus.js';
import { NrfCloudMessages } from '../../broker-fixtures/nrf-cloud/messages.js';
import { NrfCloudRegistry } from '../../broker-fixtures/nrf-cloud/registry.js';

const P = 'prod/t/';

function setup(max?: number): { messages: NrfCloudMessages; clock: VirtualClock; store: MemoryStore } {
  const clock = new VirtualClock();
  const store = new MemoryStore();
  const messages = new NrfCloudMessages(store, clock, new NrfCloudBus(new EventLog(clock)), P, max);
  return { messages, clock, store };
}

describe('nRF Cloud device messages', () => {
  it('keeps a valid device ts, drops one from the future or older than 90 days, and pages newest first', async () => {
    const { messages, clock } = setup();
    await messages.prune();
    const now = clock.now();
    const send = (m: unknown): Promise<void> =>
      messages.received('d1', `${P}m/d/d1/d2c`, Buffer.from(JSON.stringify(m)), 'd2c');
    await send({ appId: 'TEMP', data: '1', ts: now - 1000 });
    await clock.advance(5);
    await send({ appId: 'TEMP', data: '2', ts: now + 3 * 86_400_000 });
    await clock.advance(5);
    await send({ appId: 'GNSS', data: '3', ts: now - 91 * 86_400_000 });
    await messages.received('d2', `${P}m/d/d2/d2c/bin`, Buffer.from([1, 2, 3]), 'd2c-bin');
    const page = await messages.query({ deviceId: 'd1', pageLimit: 2 });
    expect(page.items.map((m) => [(m.message as { data: string }).data, m.ts])).toEqual([
      ['3', undefined],
      ['2', undefined],
    ]);
    const rest = await messages.query({ deviceId: 'd1', pageLimit: 2, pageNextToken: page.pageNextToken! });
    expect(rest.items.map((m) => m.ts)).toEqual([now - 1000]);
    expect(rest.pageNextToken).toBeUndefined();
    expect((await messages.query({ appId: 'GNSS' })).total).toBe(1);
    expect((await messages.query({ deviceId: 'd2' })).items[0]!.message).toEqual({ base64: 'AQID' });
    await expect(messages.query({ pageLimit: 0 })).rejects.toThrow(/pageLimit/);
    await expect(messages.query({ pageNextToken: 'bogus' })).rejects.toThrow(/pageNextToken/);
  });

  it('stores a bulk array as one message each, keeps at most the cap (oldest dropped), and prunes past 30 days', async () => {
    const { messages, clock, store } = setup(3);
    await messages.prune();
    await messages.received(
      'd1',
      `${P}m/d/d1/d2c/bulk`,
      Buffer.from(JSON.stringify([{ n: 1 }, { n: 2 }])),
      'd2c-bulk',
    );
    await messages.received(
      'd1',
      `${P}m/d/d1/d2c/bulk`,
      Buffer.from(JSON.stringify([{ n: 3 }, { n: 4 }])),
      'd2c-bulk',
    );
    expect((await messages.query({})).items.map((m) => (m.message as { n: number }).n)).toEqual([4, 3, 2]);
    expect((await store.list('nrfcloud-messages')).length).toBe(3);
    await clock.advance(31 * 86_400_000);
    await messages.received('d1', `${P}m/d/d1/d2c`, Buffer.from('not json'), 'd2c');
    const again = new NrfCloudMessages(store, clock, new NrfCloudBus(new EventLog(clock)), P, 3);
    await again.prune();
    expect((await again.query({})).items.map((m) => m.message)).toEqual(['not json']);
  });
});

describe('nRF Cloud registry on a shared store', () => {
  it('finds a device another node onboarded, forgets one another node deleted, and refuses a taken id', async () => {
    const clock = new VirtualClock();
    const store = new MemoryStore();
    const a = await NrfCloudRegistry.open(store, clock);
    const b = await NrfCloudRegistry.open(store, clock);
    await a.create({ id: 'nrf-1', certificateId: 'c1', onboardedBy: 'jitp' });
    expect(await b.deviceOfCertificate('c1')).toBe('nrf-1');
    await expect(b.create({ id: 'nrf-1', certificateId: 'c2', onboardedBy: 'jitp' })).rejects.toThrow(
      /already exists/,
    );
    await a.remove('nrf-1');
    expect(await b.deviceOfCertificate('c1')).toBeUndefined();
    await expect(a.create({ id: 'bad id!', onboardedBy: 'onboard' })).rejects.toThrow(/not a device id/);
  });
});
