import { MqttClient, type IClientOptions, type OnPacketCallback, type Timer } from 'mqtt';
import { modemStreamBuilder } from '../../../cloud-libs/common/index.js';
import { tracedStreamBuilder } from '../../../cloud-libs/common/mqtt-trace.js';
import type { DeviceModem } from '../../../modem/device-modem.js';
import { AF_INET, AF_INET6 } from '../../../modem/sockets/constants.js';
import { Errno, errnoOf } from '../../../modem/sockets/errno.js';
import { mqttKeepAlive } from '../../../modem/sockets/interval-timer.js';
import type { ModemSocketStream } from '../../../modem/sockets/socket-stream.js';
import { slmError } from './slm-errors.js';

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
 * The SLM's MQTT client (slm_at_mqtt.c) on the modem's sockets: mqtt.js over the modem-socket
 * transport of `cloud-libs/common`, every packet from the broker reported as
 * `#XMQTTEVT: <evt>,<result>` and every message as `#XMQTTMSG`, on the SLM's UART. The client holds
 * no retry state, as the SLM's does not.
 */
export class SlmMqtt {
  config: SlmMqttConfig = { clientId: 'slm_default_client_id', keepAlive: 60, cleanSession: 0 };
  target: SlmMqttTarget | undefined;
  private client: MqttClient | undefined;
  private userDisconnect = false;

  constructor(
    private readonly modem: DeviceModem,
    /** Writes one SLM notification to the host. */
    private readonly notify: (line: string) => void,
  ) {}

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Opens the socket and sends CONNECT; CONNACK arrives later as `#XMQTTEVT: 0,<rc>`. */
  async connect(target: SlmMqttTarget): Promise<void> {
    if (this.client) throw slmError('already connected');
    const transport = {
      host: target.url,
      port: target.port,
      family: target.family,
      ...(target.secTag !== undefined
        ? { secTags: [target.secTag], hostname: target.url, peerVerify: 2 as const }
        : {}),
    };
    const stream = modemStreamBuilder(this.modem, transport)();
    // The connection shows on the nrf91sim:mqtt:* channels as every MQTT client over the modem does.
    const traced = tracedStreamBuilder(() => stream, this.modem.name, transport);
    const opened = new Promise<void>((resolve, reject) => {
      stream.once('connect', () => resolve());
      stream.once('error', (err) => reject(err));
      stream.once('close', () => reject(new Error('closed')));
    });
    const keepAlive = mqttKeepAlive(this.modem.clock, this.config.keepAlive);
    const options: IClientOptions = {
      clientId: this.config.clientId,
      keepalive: keepAlive.keepalive,
      clean: this.config.cleanSession === 1,
      protocolVersion: 4,
      reconnectPeriod: 0,
      ...(target.username ? { username: target.username } : {}),
      ...(target.username && target.password ? { password: target.password } : {}),
      timerVariant: keepAlive.timerVariant as unknown as Timer,
    };
    const client = new MqttClient((c): ModemSocketStream => traced(c), options);
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
      this.notify(`#XMQTTEVT: ${MqttEvt.DISCONNECT},${result}`);
    });
  }

  /** The SLM stops: the connection goes without a DISCONNECT and without notifications. */
  abandon(): void {
    const client = this.client;
    this.client = undefined;
    client?.end(true);
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
    const notify = (evt: number, result = 0): void => this.notify(`#XMQTTEVT: ${evt},${result}`);
    switch (packet.cmd) {
      case 'connack':
        notify(MqttEvt.CONNACK, packet.returnCode ?? 0);
        return;
      case 'publish': {
        const topic = Buffer.from(packet.topic, 'utf8').toString('latin1');
        const payload = Buffer.isBuffer(packet.payload)
          ? packet.payload
          : Buffer.from(String(packet.payload), 'utf8');
        this.notify(
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
