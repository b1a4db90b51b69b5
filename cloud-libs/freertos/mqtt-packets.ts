import { generate } from 'mqtt-packet';

/**
 * The MQTT 3.1.1 packets the agent sends, as aws_mqtt_lib.c builds them, encoded by mqtt-packet
 * (the MQTT.js and aedes codec). The agent keeps its own MQTT client logic, as the FreeRTOS one
 * does, rather than using a general-purpose client; only the encoding is the library's.
 */

/** MQTT 3.1.1 §2.2.3: at most four bytes of remaining length. */
export const MAX_REMAINING_LENGTH = 268_435_455;

/** [MQTT-1.5.3] a UTF-8 string is prefixed with its two-byte length. */
export const MAX_STRING_BYTES = 65_535;

export interface ConnectPacket {
  clientId: string;
  /** Sent when non-empty (the agent's metrics string, mqttconfigENABLE_METRICS). */
  userName: string;
  keepAliveSeconds: number;
}

/** Bytes a string takes inside a packet, for checks before encoding. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * mqtt-packet writes a longer string's length modulo 65536 (a packet the broker misreads), so
 * the lengths are checked here first.
 */
function checkString(what: string, text: string): void {
  const n = utf8Length(text);
  if (n > MAX_STRING_BYTES) throw new RangeError(`${what} of ${n} bytes is longer than ${MAX_STRING_BYTES}`);
}

/**
 * CONNECT with clean session: AWS IoT does not keep sessions for this client (aws_mqtt_lib.c sets
 * the flag unconditionally), and the user name flag when there is one.
 */
export function connectPacket(p: ConnectPacket): Buffer {
  checkString('client id', p.clientId);
  checkString('user name', p.userName);
  return generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId: p.clientId,
    keepalive: p.keepAliveSeconds,
    ...(p.userName !== '' ? { username: p.userName } : {}),
  });
}

/** PUBLISH without retain or dup; QoS 1 carries its packet identifier. */
export function publishPacket(topic: string, qos: 0 | 1, id: number, payload: Uint8Array): Buffer {
  checkString('topic', topic);
  return generate({
    cmd: 'publish',
    topic,
    qos,
    dup: false,
    retain: false,
    ...(qos === 1 ? { messageId: id } : {}),
    payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
  });
}

/** One topic filter per SUBSCRIBE, as the agent sends them. */
export function subscribePacket(id: number, filter: string, qos: 0 | 1): Buffer {
  checkString('topic filter', filter);
  return generate({ cmd: 'subscribe', messageId: id, subscriptions: [{ topic: filter, qos }] });
}

export function unsubscribePacket(id: number, filter: string): Buffer {
  checkString('topic filter', filter);
  return generate({ cmd: 'unsubscribe', messageId: id, unsubscriptions: [filter] });
}

export function pubackPacket(id: number): Buffer {
  return generate({ cmd: 'puback', messageId: id });
}

export const PINGREQ = generate({ cmd: 'pingreq' });
export const DISCONNECT = generate({ cmd: 'disconnect' });
