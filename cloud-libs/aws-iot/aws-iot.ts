import type { IClientOptions, MqttClient } from 'mqtt';
import { StateMachine } from '../../core/state-machine.js';
import {
  DnsError,
  Errno,
  SocketError,
  TLS_PEER_VERIFY_REQUIRED,
  type TlsSocketOptions,
} from '../../modem/sockets/index.js';
import type { Modem } from '../../modem/modem.js';
import { AwsFota, type AwsFotaEvt } from '../aws-fota/index.js';
import { createModemMqttClient } from '../common/index.js';
import type { DfuTarget } from '../dfu-target/index.js';
import type { FotaDownloadKconfig } from '../fota-download/index.js';

/** `enum aws_iot_shadow_topic_type`. */
export type AwsIotShadowTopicType =
  | 'AWS_IOT_SHADOW_TOPIC_UNKNOWN'
  | 'AWS_IOT_SHADOW_TOPIC_GET'
  | 'AWS_IOT_SHADOW_TOPIC_UPDATE'
  | 'AWS_IOT_SHADOW_TOPIC_DELETE';

/** `enum aws_connect_result`: why a connection attempt failed (`CONNECTING` with `err`). */
export const AwsConnectResult = {
  AWS_CONNECT_RES_SUCCESS: 0,
  AWS_CONNECT_RES_ERR_NOT_INITD: -1,
  AWS_CONNECT_RES_ERR_INVALID_PARAM: -2,
  AWS_CONNECT_RES_ERR_NETWORK: -3,
  AWS_CONNECT_RES_ERR_BACKEND: -4,
  AWS_CONNECT_RES_ERR_MISC: -5,
  AWS_CONNECT_RES_ERR_NO_MEM: -6,
  AWS_CONNECT_RES_ERR_PRV_KEY: -7,
  AWS_CONNECT_RES_ERR_CERT: -8,
  AWS_CONNECT_RES_ERR_CERT_MISC: -9,
  AWS_CONNECT_RES_ERR_TIMEOUT_NO_DATA: -10,
  AWS_CONNECT_RES_ERR_ALREADY_CONNECTED: -11,
} as const;

/** `enum aws_disconnect_result`. */
export const AwsDisconnectResult = {
  AWS_IOT_DISCONNECT_USER_REQUEST: 0,
  AWS_IOT_DISCONNECT_CLOSED_BY_REMOTE: 1,
  AWS_IOT_DISCONNECT_INVALID_REQUEST: 2,
  AWS_IOT_DISCONNECT_MISC: 3,
} as const;

export interface AwsIotMessage {
  /** The shadow topic type; UNKNOWN for received messages and application topics. */
  type: AwsIotShadowTopicType;
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
}

/** `struct aws_iot_evt`. */
export type AwsIotEvt =
  | { type: 'AWS_IOT_EVT_CONNECTING'; err: number }
  | { type: 'AWS_IOT_EVT_CONNECTED'; persistentSession: boolean }
  | { type: 'AWS_IOT_EVT_READY' }
  | { type: 'AWS_IOT_EVT_DISCONNECTED'; err: number }
  | { type: 'AWS_IOT_EVT_DATA_RECEIVED'; msg: AwsIotMessage }
  | { type: 'AWS_IOT_EVT_FOTA_START' }
  | { type: 'AWS_IOT_EVT_FOTA_DONE' }
  | { type: 'AWS_IOT_EVT_FOTA_ERASE_PENDING' }
  | { type: 'AWS_IOT_EVT_FOTA_ERASE_DONE' }
  | { type: 'AWS_IOT_EVT_FOTA_DL_PROGRESS'; fotaProgress: number }
  | { type: 'AWS_IOT_EVT_FOTA_ERROR' }
  | { type: 'AWS_IOT_EVT_ERROR'; err: number };

export type AwsIotEvtHandler = (evt: AwsIotEvt) => void;

/** The shadow response topics to subscribe (the `AWS_IOT_TOPIC_*_SUBSCRIBE` options). */
export type AwsIotShadowSubscription =
  | 'get/accepted'
  | 'get/rejected'
  | 'update/accepted'
  | 'update/rejected'
  | 'update/delta'
  | 'delete/accepted'
  | 'delete/rejected';

/** aws_iot's Kconfig and `struct aws_iot_config`. */
export interface AwsIotConfig {
  /** CONFIG_AWS_IOT_BROKER_HOST_NAME. */
  host: string;
  /** CONFIG_AWS_IOT_PORT. */
  port?: number;
  /** CONFIG_AWS_IOT_SEC_TAG. */
  secTag: number;
  /** The client id, which is the thing name (CONFIG_AWS_IOT_CLIENT_ID_STATIC, or the app's). */
  clientId: string;
  /** CONFIG_AWS_IOT_CLIENT_ID_MAX_LEN: a longer id fails init with -EMSGSIZE. */
  clientIdMaxLen?: number;
  /** Shadow responses to subscribe. */
  shadowSubscriptions?: readonly AwsIotShadowSubscription[];
  /** CONFIG_AWS_IOT_AUTO_DEVICE_SHADOW_REQUEST (true): an empty shadow/get once subscribed. */
  autoDeviceShadowRequest?: boolean;
  /** CONFIG_AWS_IOT_LAST_WILL: topic `lastwilltopic`, message `{"lastwill": "offline"}`, QoS 0. */
  lastWill?: boolean;
  /** CONFIG_MQTT_KEEPALIVE in seconds (60). */
  keepaliveSeconds?: number;
  /** CONFIG_MQTT_CLEAN_SESSION (true). */
  cleanSession?: boolean;
  /** CONFIG_AWS_IOT_TLS_SESSION_CACHING. */
  tlsSessionCache?: boolean;
  /** CONFIG_AWS_FOTA: given the device's dfu_target, aws_fota runs on the same connection. */
  fota?: {
    dfu: DfuTarget;
    secTag?: number;
    fragmentSize?: number;
    /** fota_download's (and download_client's) options. */
    fotaDownload?: Partial<FotaDownloadKconfig>;
  };
}

export type AwsIotState = 'IDLE' | 'CONNECTING' | 'CONNECTED' | 'READY';

const LEGAL: Readonly<Record<AwsIotState, readonly AwsIotState[]>> = {
  IDLE: ['CONNECTING'],
  CONNECTING: ['CONNECTED', 'IDLE'],
  CONNECTED: ['READY', 'IDLE'],
  READY: ['IDLE'],
};

/** `connect_error_translate`: the socket or resolver failure as an `aws_connect_result`. */
export function connectErrorTranslate(err: unknown): number {
  if (err instanceof DnsError) return AwsConnectResult.AWS_CONNECT_RES_ERR_NETWORK;
  if (!(err instanceof SocketError)) return AwsConnectResult.AWS_CONNECT_RES_ERR_MISC;
  return CONNECT_ERRNO_RESULT.get(err.errno) ?? AwsConnectResult.AWS_CONNECT_RES_ERR_MISC;
}

/** The socket errno values `connect_error_translate` names; any other is ERR_MISC. */
const CONNECT_ERRNO_RESULT: ReadonlyMap<number, number> = new Map([
  [Errno.EACCES, AwsConnectResult.AWS_CONNECT_RES_ERR_NOT_INITD],
  [Errno.EINVAL, AwsConnectResult.AWS_CONNECT_RES_ERR_PRV_KEY],
  [Errno.EOPNOTSUPP, AwsConnectResult.AWS_CONNECT_RES_ERR_CERT],
  [Errno.ECONNREFUSED, AwsConnectResult.AWS_CONNECT_RES_ERR_CERT_MISC],
  [Errno.ETIMEDOUT, AwsConnectResult.AWS_CONNECT_RES_ERR_TIMEOUT_NO_DATA],
  [Errno.ENOMEM, AwsConnectResult.AWS_CONNECT_RES_ERR_NO_MEM],
]);

const SHADOW_TOPIC: Record<Exclude<AwsIotShadowTopicType, 'AWS_IOT_SHADOW_TOPIC_UNKNOWN'>, string> = {
  AWS_IOT_SHADOW_TOPIC_GET: 'get',
  AWS_IOT_SHADOW_TOPIC_UPDATE: 'update',
  AWS_IOT_SHADOW_TOPIC_DELETE: 'delete',
};

/**
 * aws_iot (NCS, `subsys/net/lib/aws_iot`, v1.x with its connection poll thread) over the modem: one
 * MQTT 3.1.1 connection to AWS IoT as the thing, the shadow topics, application topics, and aws_fota
 * on the same connection. Calls return 0 or a negative errno; what happens arrives as events. There
 * is no automatic reconnect: the application calls {@link connect} again, as with the C library.
 */
export class AwsIot {
  readonly machine: StateMachine<AwsIotState>;
  private client: MqttClient | undefined;
  private appTopics: string[] = [];
  private userDisconnect = false;
  /** aws_fota is initialised once (in aws_iot_init) and follows every connection. */
  private fota: AwsFota | undefined;
  private readonly shadowBase: string;

  private constructor(
    private readonly modem: Modem,
    private readonly config: AwsIotConfig,
    private readonly handler: AwsIotEvtHandler,
  ) {
    this.shadowBase = `$aws/things/${config.clientId}/shadow`;
    this.machine = new StateMachine<AwsIotState>('aws_iot', 'IDLE', LEGAL, config.clientId);
  }

  /** aws_iot_init: -EMSGSIZE for a client id of CONFIG_AWS_IOT_CLIENT_ID_MAX_LEN or more characters. */
  static init(modem: Modem, config: AwsIotConfig, handler: AwsIotEvtHandler): AwsIot | number {
    if (config.clientId.length >= (config.clientIdMaxLen ?? 30)) return -Errno.EMSGSIZE;
    if (!config.host) return -Errno.EINVAL;
    return new AwsIot(modem, config, handler);
  }

  get state(): AwsIotState {
    return this.machine.state;
  }

  /** The MQTT client of the current connection (to watch its packets), if any. */
  get mqttClient(): MqttClient | undefined {
    return this.client;
  }

  /** aws_iot_subscription_topics_add: application topics, subscribed in one SUBSCRIBE on connect. */
  subscriptionTopicsAdd(topics: readonly string[]): number {
    if (topics.length === 0) return -Errno.EINVAL;
    this.appTopics = [...topics];
    return 0;
  }

  /** aws_iot_connect: 0 and `CONNECTING` follows; -EINPROGRESS while a connection is active. */
  connect(): number {
    if (this.state !== 'IDLE') return -Errno.EINPROGRESS;
    this.userDisconnect = false;
    this.machine.transition('CONNECTING');
    this.handler({ type: 'AWS_IOT_EVT_CONNECTING', err: 0 });
    const c = this.config;
    const options: Partial<IClientOptions> = {
      clientId: c.clientId,
      clean: c.cleanSession ?? true,
      keepalive: c.keepaliveSeconds ?? 60,
      ...(c.lastWill
        ? {
            will: {
              topic: 'lastwilltopic',
              payload: Buffer.from('{"lastwill": "offline"}'),
              qos: 0,
              retain: false,
            },
          }
        : {}),
    };
    // mqtt_sec_config: TLS_HOSTNAME is the broker's host name, the socket's default for a name.
    const tls: TlsSocketOptions = { secTags: [c.secTag], peerVerify: TLS_PEER_VERIFY_REQUIRED };
    if (c.tlsSessionCache) tls.sessionCache = true;
    const client = createModemMqttClient(this.modem, {
      host: c.host,
      port: c.port ?? 8883,
      ...tls,
      ...options,
    });
    this.client = client;
    let connected = false;
    client.on('connect', (connack) => {
      connected = true;
      this.onConnack(client, connack.sessionPresent);
    });
    client.on('message', (topic, payload, packet) =>
      this.onPublish(topic, payload, packet.qos === 1 ? 1 : 0),
    );
    client.on('error', (err) => {
      if (connected || client !== this.client) return;
      const code = (err as { code?: unknown }).code;
      // CONNACK with a refusal code: the broker answered but would not have the client.
      if (typeof code === 'number' && code > 0) {
        this.drop(client);
        this.handler({ type: 'AWS_IOT_EVT_ERROR', err: code });
        return;
      }
      this.drop(client);
      this.handler({ type: 'AWS_IOT_EVT_CONNECTING', err: connectErrorTranslate(err) });
    });
    client.on('close', () => {
      if (client !== this.client) return;
      const err = this.userDisconnect
        ? AwsDisconnectResult.AWS_IOT_DISCONNECT_USER_REQUEST
        : AwsDisconnectResult.AWS_IOT_DISCONNECT_CLOSED_BY_REMOTE;
      this.drop(client);
      this.handler({ type: 'AWS_IOT_EVT_DISCONNECTED', err });
    });
    if (c.fota) {
      this.fota ??= this.createFota(c.fota);
      this.fota.attach(client);
    }
    return 0;
  }

  /** aws_iot_disconnect: `DISCONNECTED` (user request) follows; -ENOTCONN when not connected. */
  disconnect(): number {
    const client = this.client;
    if (!client || this.state === 'IDLE') return -Errno.ENOTCONN;
    this.userDisconnect = true;
    client.end(false);
    return 0;
  }

  /**
   * aws_iot_send: publishes to a shadow topic of the thing (`type`), or to `topic` with type
   * UNKNOWN (-ENODATA without one). -ENOTCONN before the connection is up.
   */
  send(data: {
    type?: AwsIotShadowTopicType;
    topic?: string;
    payload: string | Buffer;
    qos?: 0 | 1;
  }): number {
    const client = this.client;
    if (!client || (this.state !== 'CONNECTED' && this.state !== 'READY')) return -Errno.ENOTCONN;
    const type = data.type ?? 'AWS_IOT_SHADOW_TOPIC_UNKNOWN';
    let topic: string;
    if (type === 'AWS_IOT_SHADOW_TOPIC_UNKNOWN') {
      if (!data.topic) return -Errno.ENODATA;
      topic = data.topic;
    } else {
      topic = `${this.shadowBase}/${SHADOW_TOPIC[type]}`;
    }
    client.publish(topic, data.payload, { qos: data.qos ?? 0, retain: false, dup: false });
    return 0;
  }

  private onConnack(client: MqttClient, sessionPresent: boolean): void {
    const clean = this.config.cleanSession ?? true;
    this.machine.transition('CONNECTED');
    this.handler({ type: 'AWS_IOT_EVT_CONNECTED', persistentSession: !clean && sessionPresent });
    if (sessionPresent) {
      this.ready(client);
      this.shadowGet(client);
      return;
    }
    const shadow = (this.config.shadowSubscriptions ?? []).map((s) => `${this.shadowBase}/${s}`);
    const lists = [this.appTopics, shadow].filter((l) => l.length > 0);
    if (lists.length === 0) {
      this.ready(client);
      return;
    }
    // The application list and the shadow list go as separate SUBSCRIBE packets; READY comes
    // after all of their SUBACKs.
    const acks = lists.map(
      (topics) =>
        new Promise<void>((resolve, reject) =>
          client.subscribe(topics, { qos: 1 }, (err, granted) => {
            if (err || granted?.some((g) => g.qos === 128)) reject(err ?? new Error('subscription refused'));
            else resolve();
          }),
        ),
    );
    Promise.all(acks).then(
      () => {
        if (client !== this.client) return;
        this.shadowGet(client);
        this.ready(client);
      },
      () => {
        if (client === this.client) this.handler({ type: 'AWS_IOT_EVT_ERROR', err: -Errno.EIO });
      },
    );
  }

  private shadowGet(client: MqttClient): void {
    if (this.config.autoDeviceShadowRequest ?? true) client.publish(`${this.shadowBase}/get`, '', { qos: 0 });
  }

  private ready(client: MqttClient): void {
    if (client !== this.client || this.state !== 'CONNECTED') return;
    this.machine.transition('READY');
    this.handler({ type: 'AWS_IOT_EVT_READY' });
  }

  private onPublish(topic: string, payload: Buffer, qos: 0 | 1): void {
    // Jobs messages belong to aws_fota when it runs on this connection.
    if (this.config.fota && topic.startsWith(`$aws/things/${this.config.clientId}/jobs/`)) return;
    this.handler({
      type: 'AWS_IOT_EVT_DATA_RECEIVED',
      msg: { type: 'AWS_IOT_SHADOW_TOPIC_UNKNOWN', topic, payload, qos },
    });
  }

  private createFota(fota: NonNullable<AwsIotConfig['fota']>): AwsFota {
    return new AwsFota(
      undefined,
      {
        clientId: this.config.clientId,
        sockets: this.modem.sockets,
        clock: this.modem.clock,
        dfu: fota.dfu,
        ...(fota.secTag !== undefined ? { secTag: fota.secTag } : {}),
        ...(fota.fragmentSize !== undefined ? { fragmentSize: fota.fragmentSize } : {}),
        ...(fota.fotaDownload ? { fotaDownload: fota.fotaDownload } : {}),
      },
      (evt) => this.onFotaEvt(evt),
    );
  }

  private onFotaEvt(evt: AwsFotaEvt): void {
    switch (evt.id) {
      case 'AWS_FOTA_EVT_START':
        return this.handler({ type: 'AWS_IOT_EVT_FOTA_START' });
      case 'AWS_FOTA_EVT_DONE':
        return this.handler({ type: 'AWS_IOT_EVT_FOTA_DONE' });
      case 'AWS_FOTA_EVT_ERASE_PENDING':
        return this.handler({ type: 'AWS_IOT_EVT_FOTA_ERASE_PENDING' });
      case 'AWS_FOTA_EVT_ERASE_DONE':
        return this.handler({ type: 'AWS_IOT_EVT_FOTA_ERASE_DONE' });
      case 'AWS_FOTA_EVT_DL_PROGRESS':
        return this.handler({ type: 'AWS_IOT_EVT_FOTA_DL_PROGRESS', fotaProgress: evt.progress });
      case 'AWS_FOTA_EVT_ERROR':
        return this.handler({ type: 'AWS_IOT_EVT_FOTA_ERROR' });
    }
  }

  private drop(client: MqttClient): void {
    if (client !== this.client) return;
    this.client = undefined;
    client.removeAllListeners('close');
    client.on('error', () => undefined);
    client.end(true);
    if (this.state !== 'IDLE') this.machine.transition('IDLE');
  }
}
