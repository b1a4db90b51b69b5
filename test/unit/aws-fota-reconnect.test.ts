import { EventEmitter } from 'node:events';
import { DefaultMessageIdProvider, type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsFota, type AwsFotaEvt } from '../../cloud-libs/aws-fota/index.js';
import type { DfuTarget } from '../../cloud-libs/dfu-target/index.js';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';

/** Just enough of an mqtt.js client: the test decides when SUBACKs and PUBACKs come, or fail. */
class ScriptedClient extends EventEmitter {
  connected = false;
  messageIdProvider = new DefaultMessageIdProvider();
  readonly subscribed: Array<{ topic: string; messageId: number | null; done: (err: Error | null) => void }> =
    [];
  readonly published: Array<{ topic: string; payload: string; done: (err?: Error) => void }> = [];

  subscribe(topic: string, _opts: unknown, cb: (err: Error | null) => void): this {
    this.subscribed.push({ topic, messageId: this.messageIdProvider.allocate(), done: cb });
    return this;
  }

  publish(topic: string, payload: string, _opts: unknown, cb: (err?: Error) => void): this {
    this.published.push({ topic, payload, done: cb });
    return this;
  }

  /** CONNACK of a new session; every SUBSCRIBE it triggers is acknowledged. */
  async connack(): Promise<void> {
    this.connected = true;
    const from = this.subscribed.length;
    this.emit('connect', { sessionPresent: false });
    for (let i = from; i < this.subscribed.length; i++) this.subscribed[i]?.done(null);
    await new Promise((r) => setImmediate(r));
  }
}

const modem = new Modem({ name: 'fota-unit', clock: new VirtualClock() });
afterAll(() => modem.close());
const dfu = {} as DfuTarget; // never reached: no download starts in these tests

const execution = JSON.stringify({
  timestamp: 1,
  execution: {
    jobId: 'j1',
    status: 'QUEUED',
    versionNumber: 1,
    jobDocument: { operation: 'app_fw_update', location: { host: 'fw.example.com', path: 'a.bin' } },
  },
});

describe('aws_fota across a dropped connection', () => {
  it('keeps the job when an update request fails because the connection closed, and sends it again', async () => {
    const client = new ScriptedClient();
    const events: AwsFotaEvt[] = [];
    const fota = new AwsFota(
      client as unknown as MqttClient,
      { clientId: 't', sockets: modem.sockets, clock: modem.clock, dfu },
      (e) => events.push(e),
    );
    await client.connack();
    expect(client.published.map((p) => p.topic)).toEqual(['$aws/things/t/jobs/$next/get']);
    client.emit('message', '$aws/things/t/jobs/$next/get/accepted', Buffer.from(execution));
    client.subscribed.at(-1)?.done(null);
    await new Promise((r) => setImmediate(r));
    const first = client.published.at(-1);
    expect(first?.payload).toContain('"status":"IN_PROGRESS"');
    expect(first?.payload).toContain('"expectedVersion": "1"');

    // The connection drops before the PUBACK: mqtt.js fails the publish.
    client.connected = false;
    first?.done(new Error('Connection closed'));
    expect(events).toEqual([]);
    expect(fota.getJobId()).toBe('j1');

    await client.connack();
    expect(client.subscribed.slice(-3).map((s) => [s.topic, s.messageId])).toEqual([
      ['$aws/things/t/jobs/notify-next', 2112],
      ['$aws/things/t/jobs/$next/get/#', 2114],
      ['$aws/things/t/jobs/j1/update/#', 2115],
    ]);
    const again = client.published.filter((p) => p.topic === '$aws/things/t/jobs/j1/update');
    expect(again).toHaveLength(2);
    expect(again[1]?.payload).toBe(first?.payload);
    expect(fota.state).toBe('DOWNLOAD_FIRMWARE');
  });

  it('reports an error when a request fails on a live connection', async () => {
    const client = new ScriptedClient();
    const events: AwsFotaEvt[] = [];
    new AwsFota(
      client as unknown as MqttClient,
      { clientId: 't', sockets: modem.sockets, clock: modem.clock, dfu },
      (e) => events.push(e),
    );
    await client.connack();
    client.emit('message', '$aws/things/t/jobs/$next/get/accepted', Buffer.from(execution));
    client.subscribed.at(-1)?.done(new Error('subscription refused'));
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([{ id: 'AWS_FOTA_EVT_ERROR' }]);
  });
});
