import type { Duplex } from 'node:stream';
import type { MqttClient, OnPacketCallback } from 'mqtt';
import { trace, tracing } from '../../core/trace.js';

type Packet = Parameters<OnPacketCallback>[0];

/** Where the client connects, for the `mqtt:connect` trace. */
export interface MqttTraceTarget {
  host: string;
  port: number;
  secTags?: readonly number[];
}

/**
 * Publishes an MQTT client's packets on the `nrf91sim:mqtt:*` channels: CONNECT, CONNACK, PUBLISH
 * both ways and SUBSCRIBE. The listeners only build a message while
 * someone subscribes, so an untraced client pays one check per packet.
 */
export function traceMqttClient(client: MqttClient, device: string, target: MqttTraceTarget): void {
  const clientId = (): string => client.options.clientId ?? '';
  const onPacket = (packet: Packet, direction: 'in' | 'out'): void => {
    switch (packet.cmd) {
      case 'connect':
        if (!tracing('mqtt:connect')) return;
        trace('mqtt:connect', {
          device,
          clientId: packet.clientId,
          host: target.host,
          port: target.port,
          secure: (target.secTags?.length ?? 0) > 0,
          clean: packet.clean ?? true,
          keepalive: packet.keepalive ?? 0,
        });
        return;
      case 'connack':
        if (!tracing('mqtt:connack')) return;
        trace('mqtt:connack', {
          device,
          clientId: clientId(),
          sessionPresent: packet.sessionPresent,
          returnCode: packet.returnCode ?? packet.reasonCode ?? 0,
        });
        return;
      case 'publish':
        if (!tracing('mqtt:publish')) return;
        trace('mqtt:publish', {
          device,
          clientId: clientId(),
          direction,
          topic: packet.topic,
          qos: packet.qos,
          bytes:
            typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length,
          retain: packet.retain,
        });
        return;
      case 'subscribe':
        if (!tracing('mqtt:subscribe')) return;
        trace('mqtt:subscribe', {
          device,
          clientId: clientId(),
          topics: packet.subscriptions.map((s) => ({ topic: s.topic, qos: s.qos })),
        });
        return;
      default:
        return;
    }
  };
  client.on('packetsend', (packet) => onPacket(packet, 'out'));
  client.on('packetreceive', (packet) => onPacket(packet, 'in'));
}

/**
 * Wraps an mqtt.js stream builder so the client it builds for is traced ({@link traceMqttClient},
 * hooked before its first CONNECT goes out) and every stream publishes `mqtt:close` when it ends,
 * whoever ends it (a library that drops a connection may remove the client's own `close` listeners).
 */
export function tracedStreamBuilder<S extends Duplex>(
  build: () => S,
  device: string,
  target: MqttTraceTarget,
): (client: MqttClient) => S {
  const traced = new WeakSet<MqttClient>();
  return (client) => {
    if (!traced.has(client)) {
      traced.add(client);
      traceMqttClient(client, device, target);
    }
    const stream = build();
    stream.once('close', () => trace('mqtt:close', { device, clientId: client.options.clientId ?? '' }));
    return stream;
  };
}
