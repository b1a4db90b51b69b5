import { Duplex } from 'node:stream';
import { Aedes, type PublishPacket } from 'aedes';
import { MqttClient, type IClientOptions, type Packet } from 'mqtt';
import type { NrfCloudClientOptions } from '../../cloud-libs/nrf-cloud/index.js';

/** Two connected in-memory duplex streams (what `node:stream` `duplexPair` does on Node 22). */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
      destroy(err, cb) {
        peer().push(null);
        cb(err);
      },
    });
  ends.push(
    make(() => ends[1] as Duplex),
    make(() => ends[0] as Duplex),
  );
  return [ends[0] as Duplex, ends[1] as Duplex];
}

/**
 * A scripted nRF Cloud on an in-process aedes: answers the transform request with `desired`'s
 * prefix and pairing, records what the device publishes, and lets the test send deltas, c2d and
 * job arrays. The device's client runs over an in-memory stream; `sent` holds its packets.
 */
export class NrfCloudPeer {
  readonly published: Array<{ topic: string; payload: string; qos: number }> = [];
  readonly sent: Packet[] = [];
  desired: Record<string, unknown> = { pairing: { state: 'not_associated' } };
  readonly aedes: Aedes;
  private clients: MqttClient[] = [];

  private constructor(aedes: Aedes) {
    this.aedes = aedes;
    aedes.on('publish', (packet: PublishPacket, client) => {
      if (!client) return;
      const payload = packet.payload.toString();
      this.published.push({ topic: packet.topic, payload, qos: packet.qos });
      if (packet.topic.endsWith('/shadow/get/tf')) {
        const id = packet.topic.slice(0, -'/shadow/get/tf'.length);
        const tf = {
          ...(this.desired.nrfcloud_mqtt_topic_prefix !== undefined
            ? { nrfcloud_mqtt_topic_prefix: this.desired.nrfcloud_mqtt_topic_prefix }
            : {}),
          pairing: this.desired.pairing,
        };
        this.send(`${id}/shadow/get/accepted/tf`, JSON.stringify({ tf }));
      }
    });
  }

  static async start(): Promise<NrfCloudPeer> {
    return new NrfCloudPeer(await Aedes.createBroker());
  }

  /** The `connectClient` the library takes: a client over a fresh in-memory pair into aedes. */
  readonly connect = (_modem: unknown, options: NrfCloudClientOptions): MqttClient => {
    const { host: _h, port: _p, secTag: _s, ...mqtt } = options;
    const client = new MqttClient(
      () => {
        const [device, broker] = duplexPair();
        this.aedes.handle(broker as never);
        return device;
      },
      { protocolVersion: 4, ...(mqtt as IClientOptions) },
    );
    client.on('packetsend', (p) => this.sent.push(p));
    this.clients.push(client);
    return client;
  };

  /** Publishes from the cloud side at QoS 1. */
  send(topic: string, payload: string): void {
    this.aedes.publish(
      {
        cmd: 'publish',
        topic,
        payload: Buffer.from(payload),
        qos: 1,
        retain: false,
        dup: false,
      } as PublishPacket,
      () => undefined,
    );
  }

  /** Association from the cloud: desired prefix and pairing, and the delta that carries them. */
  associate(clientId: string, prefix: string): void {
    this.desired = {
      nrfcloud_mqtt_topic_prefix: prefix,
      pairing: {
        state: 'paired',
        topics: { d2c: `${prefix}m/d/${clientId}/d2c`, c2d: `${prefix}m/d/${clientId}/c2d` },
      },
    };
    this.send(`${clientId}/shadow/update/delta/trim`, JSON.stringify({ state: this.desired }));
  }

  /** The message ids the device put on SUBSCRIBE, UNSUBSCRIBE and QoS 1 PUBLISH packets, by topic. */
  ids(): Array<[string, number | undefined]> {
    const out: Array<[string, number | undefined]> = [];
    for (const p of this.sent) {
      if (p.cmd === 'subscribe') out.push([p.subscriptions.map((s) => s.topic).join(','), p.messageId]);
      else if (p.cmd === 'publish' && p.qos === 1) out.push([p.topic, p.messageId]);
    }
    return out;
  }

  async close(): Promise<void> {
    for (const c of this.clients) c.end(true);
    await new Promise<void>((r) => this.aedes.close(() => r()));
  }
}

/** Resolves when `predicate` holds, polling on the event loop (no timers needed). */
export async function until(predicate: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}
