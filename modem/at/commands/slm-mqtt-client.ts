import { MqttClient, type IClientOptions, type OnPacketCallback, type Timer } from 'mqtt';
import type { SlmModem as Modem } from './slm-host.js';
import { AF_INET, AF_INET6 } from '../../sockets/constants.js';
import { Errno, errnoOf } from '../../sockets/errno.js';
import { clockIntervalTimer } from '../../sockets/interval-timer.js';
import { ModemSocketStream } from '../../sockets/socket-stream.js';
import { slmError } from './slm-state.js';

type Packet = Parameters<OnPacketCallback>[0];

/** `#XMQTTEVT` event types: Zephyr `enum mqtt_evt_type`. */
export const MqttEvt = {
  CONNACK: 0,
  DISCONNECT: 1,
  PUBLISH: 2,
  PUBACK: 3,
  PUBREC: 4,
  PUBREL: 5,
  PUBCOMP: 6,
  SUBACK: 7,
  UNSUBACK: 8,
  PINGRESP: 9,
} as const;

export interface SlmMqttConfig {
  clientId: string;
  keepAlive: number;
  /** 0 persistent session (the SLM default), 1 clean session. */
  cleanSession: 0 | 1;
}

export interface SlmMqttTarget {
  family: typeof AF_INET | typeof AF_INET6;
  username: string;
  password: string;
  url: string;
  port: number;
  secTag: number | undefined;
}

/**
 * The SLM's MQTT client (slm_at_mqtt.c) on the modem's sockets: mqtt.js over a modem socket
 * stream, every packet from the broker reported as `#XMQTTEVT: <evt>,<result>` and every message
 * as `#XMQTTMSG`. The client holds no retry state, as the SLM's does not.
 */
export class SlmMqtt {
  config: SlmMqttConfig = { clientId: 'slm_default_client_id', keepAlive: 60, cleanSession: 0 };
  target: SlmMqttTarget | undefined;
  private client: MqttClient | undefined;
  private userDisconnect = false;

  constructor(private readonly modem: Modem) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Opens the socket and sends CONNECT; CONNACK arrives later as `#XMQTTEVT: 0,<rc>`. */
  async connect(target: SlmMqttTarget): Promise<void> {
    if (this.client) throw slmError('already connected');
    const stream = new ModemSocketStream(this.modem.sockets, {
      host: target.url,
      port: target.port,
      family: target.family,
      ...(target.secTag !== undefined
        ? { secTags: [target.secTag], hostname: target.url, peerVerify: 2 }
        : {}),
    });
    const opened = new Promise<void>((resolve, reject) => {
      stream.once('connect', () => resolve());
      stream.once('error', (err) => reject(err));
      stream.once('close', () => reject(new Error('closed')));
    });
    const options: IClientOptions = {
      clientId: this.config.clientId,
      keepalive: this.config.keepAlive,
      clean: this.config.cleanSession === 1,
      protocolVersion: 4,
      reconnectPeriod: 0,
      ...(target.username ? { username: target.username } : {}),
      ...(target.username && target.password ? { password: target.password } : {}),
      timerVariant: clockIntervalTimer(this.modem.clock) as unknown as Timer,
    };
    const client = new MqttClient(() => stream, options);
    client.on('error', () => undefined);
    try {
      await opened;
    } catch (err) {
      client.end(true);
      throw slmError(`connect: ${String(err)}`);
    }
    this.client = client;
    this.target = target;
    this.userDisconnect = false;
    client.on('packetreceive', (packet) => this.onPacket(packet));
    let lastError: number | undefined;
    stream.once('error', (err) => (lastError = errnoOf(err)));
    client.once('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      // Zephyr's MQTT reports a stream the broker closed as -ENOTCONN.
      const result = this.userDisconnect ? 0 : -(lastError ?? Errno.ENOTCONN);
      this.modem.notify(`#XMQTTEVT: ${MqttEvt.DISCONNECT},${result}`);
    });
  }

  disconnect(): void {
    const client = this.require();
    this.userDisconnect = true;
    client.end();
  }

  subscribe(topic: string, qos: 0 | 1 | 2): void {
    this.require().subscribe(topic, { qos });
  }

  unsubscribe(topic: string): void {
    this.require().unsubscribe(topic);
  }

  publish(topic: string, payload: Buffer, qos: 0 | 1 | 2, retain: boolean): void {
    this.require().publish(topic, payload, { qos, retain });
  }

  private require(): MqttClient {
    if (!this.client) throw slmError('not connected');
    return this.client;
  }

  private onPacket(packet: Packet): void {
    const notify = (evt: number, result = 0): void => this.modem.notify(`#XMQTTEVT: ${evt},${result}`);
    switch (packet.cmd) {
      case 'connack':
        notify(MqttEvt.CONNACK, packet.returnCode ?? 0);
        return;
      case 'publish': {
        const topic = Buffer.from(packet.topic, 'utf8').toString('latin1');
        const payload = Buffer.isBuffer(packet.payload)
          ? packet.payload
          : Buffer.from(String(packet.payload), 'utf8');
        this.modem.notify(
          `#XMQTTMSG: ${topic.length},${payload.length}\r\n${topic}\r\n${payload.toString('latin1')}`,
        );
        notify(MqttEvt.PUBLISH);
        return;
      }
      case 'puback':
        return notify(MqttEvt.PUBACK);
      case 'pubrec':
        return notify(MqttEvt.PUBREC);
      case 'pubrel':
        return notify(MqttEvt.PUBREL);
      case 'pubcomp':
        return notify(MqttEvt.PUBCOMP);
      case 'suback': {
        const refused = packet.granted.some(
          (g) => (typeof g === 'number' ? g : (g as { qos?: number }).qos) === 0x80,
        );
        return notify(MqttEvt.SUBACK, refused ? -Errno.EIO : 0);
      }
      case 'unsuback':
        return notify(MqttEvt.UNSUBACK);
      case 'pingresp':
        return notify(MqttEvt.PINGRESP);
    }
  }
}

const clients = new WeakMap<Modem, SlmMqtt>();

export function slmMqtt(modem: Modem): SlmMqtt {
  let c = clients.get(modem);
  if (!c) {
    c = new SlmMqtt(modem);
    clients.set(modem, c);
  }
  return c;
}
