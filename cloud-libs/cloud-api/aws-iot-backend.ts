import { Errno } from '../../modem/sockets/index.js';
import type { DeviceModem } from '../../modem/device-modem.js';
import { AwsIot, type AwsIotConfig, type AwsIotEvt } from '../aws-iot/index.js';
import type { CloudBackend, CloudEvent, CloudEvtHandler, CloudMsg } from './cloud.js';

/** aws_iot's events as `cloud_api` events (the v1.x `aws_iot.c` cloud backend); undefined: not passed on. */
export function awsIotToCloudEvent(evt: AwsIotEvt): CloudEvent | undefined {
  switch (evt.type) {
    case 'AWS_IOT_EVT_CONNECTING':
      return { type: 'CLOUD_EVT_CONNECTING', err: evt.err };
    case 'AWS_IOT_EVT_CONNECTED':
      return { type: 'CLOUD_EVT_CONNECTED', persistentSession: evt.persistentSession };
    case 'AWS_IOT_EVT_READY':
      return { type: 'CLOUD_EVT_READY' };
    case 'AWS_IOT_EVT_DISCONNECTED':
      return { type: 'CLOUD_EVT_DISCONNECTED', err: evt.err };
    case 'AWS_IOT_EVT_DATA_RECEIVED':
      return {
        type: 'CLOUD_EVT_DATA_RECEIVED',
        msg: {
          buf: evt.msg.payload,
          qos: evt.msg.qos === 1 ? 'CLOUD_QOS_AT_LEAST_ONCE' : 'CLOUD_QOS_AT_MOST_ONCE',
          endpoint: { type: 'CLOUD_EP_TOPIC_MSG', str: evt.msg.topic },
        },
      };
    case 'AWS_IOT_EVT_FOTA_START':
      return { type: 'CLOUD_EVT_FOTA_START' };
    case 'AWS_IOT_EVT_FOTA_DONE':
      return { type: 'CLOUD_EVT_FOTA_DONE' };
    case 'AWS_IOT_EVT_FOTA_ERASE_PENDING':
      return { type: 'CLOUD_EVT_FOTA_ERASE_PENDING' };
    case 'AWS_IOT_EVT_FOTA_ERASE_DONE':
      return { type: 'CLOUD_EVT_FOTA_ERASE_DONE' };
    case 'AWS_IOT_EVT_ERROR':
    case 'AWS_IOT_EVT_FOTA_ERROR':
      return { type: 'CLOUD_EVT_ERROR', err: 'err' in evt ? evt.err : -Errno.EIO };
    default:
      return undefined;
  }
}

/** The `AWS_IOT` cloud_api backend over {@link AwsIot}. */
export class AwsIotBackend implements CloudBackend {
  readonly name = 'AWS_IOT';
  private iot: AwsIot | undefined;

  constructor(
    private readonly modem: DeviceModem,
    private readonly config: AwsIotConfig,
  ) {}

  get id(): string | undefined {
    return this.iot ? this.config.clientId : undefined;
  }

  get library(): AwsIot | undefined {
    return this.iot;
  }

  init(handler: CloudEvtHandler): Promise<number> {
    if (this.iot) return Promise.resolve(-Errno.EACCES);
    const created = AwsIot.init(this.modem, this.config, (evt) => {
      const mapped = awsIotToCloudEvent(evt);
      if (mapped) handler(this, mapped);
    });
    if (typeof created === 'number') return Promise.resolve(created);
    this.iot = created;
    return Promise.resolve(0);
  }

  uninit(): number {
    this.iot?.disconnect();
    this.iot = undefined;
    return 0;
  }

  connect(): number {
    if (!this.iot) return -1; // CLOUD_CONNECT_RES_ERR_NOT_INITD
    const err = this.iot.connect();
    return err === -Errno.EINPROGRESS ? -11 : err; // CLOUD_CONNECT_RES_ERR_ALREADY_CONNECTED
  }

  disconnect(): number {
    return this.iot ? this.iot.disconnect() : -Errno.ENOTCONN;
  }

  /** STATE to the thing's shadow update topic, MSG to the endpoint's topic. */
  send(msg: CloudMsg): number {
    const iot = this.iot;
    if (!iot) return -Errno.ENOTCONN;
    const qos = msg.qos === 'CLOUD_QOS_AT_MOST_ONCE' ? 0 : 1;
    if (msg.endpoint.type === 'CLOUD_EP_TOPIC_STATE')
      return iot.send({ type: 'AWS_IOT_SHADOW_TOPIC_UPDATE', payload: msg.buf, qos });
    if (msg.endpoint.type === 'CLOUD_EP_TOPIC_MSG') {
      if (!msg.endpoint.str) return -Errno.ENODATA;
      return iot.send({ topic: msg.endpoint.str, payload: msg.buf, qos });
    }
    return -Errno.ENOTSUP;
  }

  /** aws_iot pings through mqtt.js's keep-alive. */
  ping(): number {
    return this.iot ? 0 : -Errno.ENOTCONN;
  }

  input(): number {
    return this.iot ? 0 : -Errno.EACCES;
  }
}
