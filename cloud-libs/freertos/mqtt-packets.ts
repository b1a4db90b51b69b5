/**
 * The MQTT 3.1.1 packets the agent sends, serialized as aws_mqtt_lib.c builds them (the agent has
 * its own MQTT library, as the FreeRTOS one does, instead of a general-purpose client).
 */

/** MQTT 3.1.1 §2.2.3: at most four bytes of remaining length. */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** [MQTT-1.5.3] a UTF-8 string is prefixed with its two-byte length. */
const MAX_STRING_BYTES = 65_535;

export interface ConnectPacket {
  clientId: string;
  /** Sent when non-empty (the agent's metrics string, mqttconfigENABLE_METRICS). */
  userName: string;
  keepAliveSeconds: number;
}

/** Encodes the remaining length [MQTT-2.2.3]: 7 bits per byte, high bit set while more follow. */
export function encodeRemainingLength(length: number): Buffer {
  if (!Number.isInteger(length) || length < 0 || length > MAX_REMAINING_LENGTH) {
    throw new RangeError(`remaining length ${length} cannot be encoded`);
  }
  const bytes: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

function utf8(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  if (body.length > MAX_STRING_BYTES) throw new RangeError(`string of ${body.length} bytes is too long`);
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

function packetId(id: number): Buffer {
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(id, 0);
  return out;
}

function packet(controlByte: number, parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([controlByte]), encodeRemainingLength(body.length), body]);
}

/**
 * CONNECT with clean session: AWS IoT does not keep sessions for this client (aws_mqtt_lib.c sets
 * the flag unconditionally), and the user name flag when there is one.
 */
export function connectPacket(p: ConnectPacket): Buffer {
  const flags = 0x02 | (p.userName !== '' ? 0x80 : 0);
  const header = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, 0, 0]);
  header.writeUInt16BE(p.keepAliveSeconds & 0xffff, 8);
  return packet(0x10, [header, utf8(p.clientId), ...(p.userName !== '' ? [utf8(p.userName)] : [])]);
}

/** PUBLISH without retain or dup; QoS 1 carries its packet identifier. */
export function publishPacket(topic: string, qos: 0 | 1, id: number, payload: Uint8Array): Buffer {
  return packet(0x30 | (qos << 1), [utf8(topic), ...(qos === 1 ? [packetId(id)] : []), Buffer.from(payload)]);
}

/** One topic filter per SUBSCRIBE, as the agent sends them. */
export function subscribePacket(id: number, filter: string, qos: 0 | 1): Buffer {
  return packet(0x82, [packetId(id), utf8(filter), Buffer.from([qos])]);
}

export function unsubscribePacket(id: number, filter: string): Buffer {
  return packet(0xa2, [packetId(id), utf8(filter)]);
}

export function pubackPacket(id: number): Buffer {
  return Buffer.from([0x40, 0x02, (id >> 8) & 0xff, id & 0xff]);
}

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** Bytes a string takes inside a packet, for checks before encoding. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
