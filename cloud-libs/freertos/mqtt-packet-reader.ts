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
 * Reassembles broker packets from stream chunks of any size. After a malformed packet it stops:
 * the caller drops the connection, as the C library resets its context.
 */
export class MqttPacketReader {
  private pending = Buffer.alloc(0);
  private skipping = 0;
  private broken = false;

  /** @param maxPacketBytes larger packets are skipped and reported as `dropped`. */
  constructor(private readonly maxPacketBytes: number) {}

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
        out.push({ type: 'malformed', reason: 'remaining length longer than four bytes' });
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
      const control = this.pending[0] ?? 0;
      const body = this.pending.subarray(header.headerBytes, total);
      this.pending = this.pending.subarray(total);
      const p = parse(control, body);
      if (p.type === 'malformed') this.broken = true;
      out.push(p);
    }
    if (this.pending.length === 0) this.pending = Buffer.alloc(0);
    return out;
  }
}

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

/** Packet rules of aws_mqtt_lib.c: fixed flags must match, QoS 2 is not supported. */
function parse(control: number, body: Buffer): InboundPacket {
  const type = control >> 4;
  const flags = control & 0x0f;
  switch (type) {
    case 2: // CONNACK: always `20 02 <sp> <rc>`
      if (flags !== 0 || body.length !== 2) return malformed('CONNACK');
      return { type: 'connack', sessionPresent: ((body[0] ?? 0) & 1) === 1, returnCode: body[1] ?? 0 };
    case 3:
      return parsePublish(flags, body);
    case 4:
      if (flags !== 0 || body.length !== 2) return malformed('PUBACK');
      return { type: 'puback', packetId: body.readUInt16BE(0) };
    case 9: {
      if (flags !== 0 || body.length < 3) return malformed('SUBACK');
      const returnCode = body[2] ?? 0;
      // Granted QoS 0 or 1, or 0x80 failure; QoS 2 is not supported.
      if (returnCode > 1 && returnCode !== 0x80) return malformed(`SUBACK return code ${returnCode}`);
      return { type: 'suback', packetId: body.readUInt16BE(0), returnCode };
    }
    case 11:
      if (flags !== 0 || body.length !== 2) return malformed('UNSUBACK');
      return { type: 'unsuback', packetId: body.readUInt16BE(0) };
    case 13:
      if (flags !== 0 || body.length !== 0) return malformed('PINGRESP');
      return { type: 'pingresp' };
    default:
      return malformed(`packet type ${type} from the broker`);
  }
}

function parsePublish(flags: number, body: Buffer): InboundPacket {
  const qos = (flags >> 1) & 0x03;
  if (qos > 1) return malformed(`PUBLISH with QoS ${qos}`);
  if (body.length < 2) return malformed('PUBLISH without a topic');
  const topicLength = body.readUInt16BE(0);
  const idBytes = qos === 1 ? 2 : 0;
  if (body.length < 2 + topicLength + idBytes) return malformed('PUBLISH shorter than its topic');
  const topic = body.subarray(2, 2 + topicLength).toString('utf8');
  const packetId = qos === 1 ? body.readUInt16BE(2 + topicLength) : undefined;
  return {
    type: 'publish',
    qos: qos === 1 ? 1 : 0,
    dup: (flags & 0x08) !== 0,
    retain: (flags & 0x01) !== 0,
    topic,
    packetId,
    payload: Buffer.from(body.subarray(2 + topicLength + idBytes)),
  };
}
