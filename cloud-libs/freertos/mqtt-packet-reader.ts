import { parser as mqttParser, type Packet, type Parser } from 'mqtt-packet';

/** What the broker can send a client, as aws_mqtt_lib.c's receive path tells them apart. */
export type InboundPacket =
  | { type: 'connack'; sessionPresent: boolean; returnCode: number }
  | {
      type: 'publish';
      qos: 0 | 1;
      dup: boolean;
      retain: boolean;
      topic: string;
      packetId: number | undefined;
      payload: Buffer;
    }
  | { type: 'puback'; packetId: number }
  | { type: 'suback'; packetId: number; returnCode: number }
  | { type: 'unsuback'; packetId: number }
  | { type: 'pingresp' }
  /** The client disconnects on these (eMQTTDisconnectReasonMalformedPacket). */
  | { type: 'malformed'; reason: string }
  /** Too large to keep (no buffer for it): skipped whole, the stream goes on (eMQTTPacketDropped). */
  | { type: 'dropped'; controlByte: number; length: number };

/**
 * Reassembles broker packets from stream chunks of any size; mqtt-packet (the MQTT.js and aedes
 * codec) decodes each one. After a malformed packet it stops: the caller drops the connection, as
 * the C library resets its context.
 *
 * The reader cuts the stream into packets itself, from the fixed header, because mqtt-packet holds
 * a packet whole before decoding it and has no size limit for MQTT 3.1.1: a packet over
 * `maxPacketBytes` is skipped without being held, as aws_mqtt_lib.c drops one it has no buffer for.
 * Each whole packet then goes to the library, one at a time, and what it accepts is checked
 * against what this client takes (see {@link toInbound}).
 */
export class MqttPacketReader {
  private pending = Buffer.alloc(0);
  private skipping = 0;
  private broken = false;
  private readonly parser: Parser;
  private decoded: Packet[] = [];
  private error: string | undefined;

  /** @param maxPacketBytes larger packets are skipped and reported as `dropped`. */
  constructor(private readonly maxPacketBytes: number) {
    this.parser = mqttParser({ protocolVersion: 4 });
    this.parser.on('packet', (p: Packet) => this.decoded.push(p));
    // Without a listener the parser's 'error' event would throw out of the agent's read loop.
    this.parser.on('error', (err: unknown) => {
      this.error ??= err instanceof Error ? err.message : String(err);
    });
  }

  push(chunk: Buffer): InboundPacket[] {
    if (this.broken) return [];
    let data = chunk;
    if (this.skipping > 0) {
      const n = Math.min(this.skipping, data.length);
      this.skipping -= n;
      data = data.subarray(n);
    }
    this.pending = this.pending.length === 0 ? Buffer.from(data) : Buffer.concat([this.pending, data]);
    const out: InboundPacket[] = [];
    while (!this.broken && this.skipping === 0) {
      const header = fixedHeader(this.pending);
      if (header === 'incomplete') break;
      if (header === 'malformed') {
        this.broken = true;
        out.push(malformed('remaining length longer than four bytes'));
        break;
      }
      const total = header.headerBytes + header.remaining;
      if (total > this.maxPacketBytes) {
        out.push({ type: 'dropped', controlByte: this.pending[0] ?? 0, length: total });
        const have = Math.min(this.pending.length, total);
        this.skipping = total - have;
        this.pending = this.pending.subarray(have);
        continue;
      }
      if (this.pending.length < total) break;
      const frame = this.pending.subarray(0, total);
      this.pending = this.pending.subarray(total);
      const p = this.decode(frame, header.remaining);
      if (p.type === 'malformed') this.broken = true;
      out.push(p);
    }
    if (this.pending.length === 0) this.pending = Buffer.alloc(0);
    return out;
  }

  /** One whole packet through mqtt-packet; anything it refuses, or throws on, is malformed. */
  private decode(frame: Buffer, remaining: number): InboundPacket {
    this.decoded = [];
    this.error = undefined;
    try {
      const left = this.parser.parse(frame);
      const [packet, ...more] = this.decoded;
      if (this.error !== undefined) return malformed(this.error);
      if (!packet || more.length > 0 || left !== 0) return malformed('not one whole MQTT packet');
      return toInbound(packet, remaining);
    } catch (err) {
      return malformed(err instanceof Error ? err.message : String(err));
    }
  }
}

/** The fixed header [MQTT-2.2]: control byte and a remaining length of at most four bytes. */
function fixedHeader(b: Buffer): { headerBytes: number; remaining: number } | 'incomplete' | 'malformed' {
  let remaining = 0;
  let multiplier = 1;
  for (let i = 1; i <= 4; i++) {
    const byte = b[i];
    if (byte === undefined) return 'incomplete';
    remaining += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { headerBytes: i + 1, remaining };
    multiplier *= 128;
  }
  return 'malformed';
}

function malformed(reason: string): InboundPacket {
  return { type: 'malformed', reason };
}

function isPacketId(id: number | undefined): id is number {
  return id !== undefined && Number.isInteger(id) && id >= 0 && id <= 0xffff;
}

/**
 * aws_mqtt_lib.c's rules on top of MQTT 3.1.1, for what mqtt-packet lets through: QoS 2 and the
 * packets only a client sends are malformed for this client, and the fixed-size acknowledgements
 * must have exactly their size (mqtt-packet reads a CONNACK, PUBACK or PINGRESP of any length).
 * The library has already checked the fixed header flags [MQTT-2.2.2-2], topic and packet
 * identifier bounds and the CONNACK flags [MQTT-3.2.2.1].
 */
function toInbound(p: Packet, remaining: number): InboundPacket {
  switch (p.cmd) {
    case 'connack':
      // Always `20 02 <flags> <rc>`.
      if (remaining !== 2 || p.returnCode === undefined) return malformed('CONNACK');
      return { type: 'connack', sessionPresent: p.sessionPresent, returnCode: p.returnCode };
    case 'publish': {
      if (p.qos === 2) return malformed('PUBLISH with QoS 2');
      if (p.qos === 1 && !isPacketId(p.messageId)) return malformed('PUBLISH shorter than its topic');
      return {
        type: 'publish',
        qos: p.qos,
        dup: p.dup,
        retain: p.retain,
        topic: p.topic,
        packetId: p.qos === 1 ? p.messageId : undefined,
        // Its own copy: a buffer the application holds must not keep the whole read alive.
        payload: Buffer.from(p.payload),
      };
    }
    case 'puback':
      if (remaining !== 2 || !isPacketId(p.messageId)) return malformed('PUBACK');
      return { type: 'puback', packetId: p.messageId };
    case 'suback': {
      // One filter per SUBSCRIBE: its return code comes first.
      const returnCode = p.granted[0];
      if (remaining < 3 || !isPacketId(p.messageId) || typeof returnCode !== 'number') {
        return malformed('SUBACK');
      }
      // Granted QoS 0 or 1, or 0x80 failure; QoS 2 is not supported.
      if (returnCode > 1 && returnCode !== 0x80) return malformed(`SUBACK return code ${returnCode}`);
      return { type: 'suback', packetId: p.messageId, returnCode };
    }
    case 'unsuback':
      if (remaining !== 2 || !isPacketId(p.messageId)) return malformed('UNSUBACK');
      return { type: 'unsuback', packetId: p.messageId };
    case 'pingresp':
      if (remaining !== 0) return malformed('PINGRESP');
      return { type: 'pingresp' };
    default:
      return malformed(`${p.cmd.toUpperCase()} from the broker`);
  }
}
