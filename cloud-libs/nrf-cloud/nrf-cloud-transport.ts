import type { MqttClient } from 'mqtt';
import type { DeviceModem } from '../../modem/device-modem.js';
import { TLS_PEER_VERIFY_REQUIRED } from '../../modem/sockets/index.js';
import { createModemMqttClient } from '../common/index.js';
import type { NctCcOpcode } from './codec.js';
import type { NrfCloudClientOptions, NrfCloudConfig } from './config.js';
import { NrfCloudMessageIds } from './message-ids.js';

/** The control-channel topics of the current protocol (`NCT_SHDW_TPC_*`). */
export interface NctCcTopics {
  update: string;
  getTransform: string;
  /** Subscribed in one SUBSCRIBE (id 100), in `nct_cc_rx_opcode_map` order. */
  rx: ReadonlyArray<{ topic: string; opcode: NctCcOpcode }>;
}

export function nctCcTopics(clientId: string): NctCcTopics {
  return {
    update: `${clientId}/shadow/update`,
    getTransform: `${clientId}/shadow/get/tf`,
    rx: [
      { topic: `${clientId}/shadow/get/accepted/tf`, opcode: 'NCT_CC_OPCODE_TRANSFORM' },
      { topic: `${clientId}/shadow/get/rejected`, opcode: 'NCT_CC_OPCODE_UPDATE_REJECTED' },
      { topic: `${clientId}/shadow/update/delta/trim`, opcode: 'NCT_CC_OPCODE_UPDATE_DELTA' },
      { topic: `${clientId}/shadow/update/delta/trim/err`, opcode: 'NCT_CC_OPCODE_UPDATE_DELTA_ERR' },
    ],
  };
}

/** What the transport tells the state machine (`struct nct_evt`). */
export interface NctHandlers {
  connack(sessionPresent: boolean): void;
  /** CONNACK refused (the MQTT return code). */
  connackRefused(returnCode: number): void;
  /** The socket, TLS or DNS failed before any CONNACK. */
  connectFailed(err: unknown): void;
  publish(topic: string, payload: Buffer): void;
  pingresp(): void;
  /** The connection closed (after CONNACK, or before it without a socket error). */
  disconnected(): void;
}

function defaultClient(modem: DeviceModem, options: NrfCloudClientOptions): MqttClient {
  const { host, port, secTag, ...mqtt } = options;
  return createModemMqttClient(modem, {
    host,
    port,
    secTags: [secTag],
    peerVerify: TLS_PEER_VERIFY_REQUIRED,
    ...mqtt,
  });
}

/**
 * The MQTT side of nrf_cloud (`nrf_cloud_transport.c`): one mqtt.js client over the modem's TLS
 * socket per connection, the library's message ids on every SUBSCRIBE and QoS 1 PUBLISH, and
 * the packets it sees turned into transport events.
 */
export class NctTransport {
  private client: MqttClient | undefined;
  readonly ids = new NrfCloudMessageIds();

  constructor(
    private readonly modem: DeviceModem,
    private readonly config: NrfCloudConfig,
  ) {}

  get mqttClient(): MqttClient | undefined {
    return this.client;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** `nct_connect`: a new connection; what happens arrives through `handlers`. */
  connect(
    options: {
      clientId: string;
      host: string;
      port: number;
      secTag: number;
      clean: boolean;
      keepalive: number;
    },
    handlers: NctHandlers,
  ): void {
    const build = this.config.connectClient ?? defaultClient;
    this.ids.clear();
    const client = build(this.modem, {
      host: options.host,
      port: options.port,
      secTag: options.secTag,
      clientId: options.clientId,
      clean: options.clean,
      keepalive: options.keepalive,
      messageIdProvider: this.ids,
      reconnectPeriod: 0,
    });
    this.client = client;
    let connected = false;
    let failed = false;
    client.on('connect', (connack) => {
      if (client !== this.client) return;
      connected = true;
      handlers.connack(connack.sessionPresent);
    });
    client.on('message', (topic, payload) => {
      if (client === this.client) handlers.publish(topic, payload);
    });
    client.on('packetreceive', (packet) => {
      if (packet.cmd === 'pingresp' && client === this.client) handlers.pingresp();
    });
    client.on('error', (err) => {
      if (connected || failed || client !== this.client) return;
      const code = (err as { code?: unknown }).code;
      failed = true;
      this.drop(client);
      if (typeof code === 'number' && code > 0) handlers.connackRefused(code);
      else handlers.connectFailed(err);
    });
    client.on('close', () => {
      if (client !== this.client) return;
      this.drop(client);
      if (!failed) handlers.disconnected();
    });
  }

  /** Publishes with the library's id `msgId` (0: the next automatic one) for QoS 1. 0 or -ENOTCONN. */
  publish(
    topic: string,
    payload: string | Buffer,
    qos: 0 | 1,
    msgId: number,
    onAck?: (err?: Error) => void,
  ): number {
    const client = this.client;
    if (!client?.connected) return -128; // -ENOTCONN
    if (qos === 1) this.ids.claim(msgId);
    client.publish(topic, payload, { qos }, (err) => onAck?.(err ?? undefined));
    return 0;
  }

  /** One SUBSCRIBE of `topics` at QoS 1 with id `msgId`; a refused topic (0x80) is an error. */
  subscribe(topics: readonly string[], msgId: number, onAck: (err?: Error) => void): number {
    const client = this.client;
    if (!client?.connected) return -128;
    this.ids.claim(msgId);
    client.subscribe([...topics], { qos: 1 }, (err, granted) => {
      if (err) onAck(err);
      else if (granted?.some((g) => g.qos === 128)) onAck(new Error('subscription refused'));
      else onAck();
    });
    return 0;
  }

  unsubscribe(topics: readonly string[], msgId: number): number {
    const client = this.client;
    if (!client?.connected) return -128;
    this.ids.claim(msgId);
    client.unsubscribe([...topics], () => undefined);
    return 0;
  }

  /** A PINGREQ now (`mqtt_ping`). */
  ping(): number {
    const client = this.client;
    if (!client?.connected) return -128;
    client.sendPing();
    return 0;
  }

  /** `nct_disconnect`: DISCONNECT and close; the close arrives as `disconnected`. */
  disconnect(): boolean {
    const client = this.client;
    if (!client) return false;
    client.end(false);
    return true;
  }

  private drop(client: MqttClient): void {
    if (client !== this.client) return;
    this.client = undefined;
    client.removeAllListeners('close');
    client.on('error', () => undefined);
    client.end(true);
  }
}
