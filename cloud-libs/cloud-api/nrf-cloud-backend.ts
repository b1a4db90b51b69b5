import { Errno } from '../../modem/sockets/index.js';
import type { DeviceModem } from '../../modem/device-modem.js';
import { NrfCloud, type NrfCloudConfig, type NrfCloudEvt } from '../nrf-cloud/index.js';
import type { CloudBackend, CloudEvent, CloudEvtHandler, CloudMsg } from './cloud.js';

/** `nrf_cloud`'s events as `cloud_api` events (`nrf_cloud.c`'s `event_handler`); undefined: not passed on. */
export function nrfCloudToCloudEvent(evt: NrfCloudEvt): CloudEvent | undefined {
  switch (evt.type) {
    case 'NRF_CLOUD_EVT_TRANSPORT_CONNECTING':
      return { type: 'CLOUD_EVT_CONNECTING', err: 0 };
    case 'NRF_CLOUD_EVT_TRANSPORT_CONNECT_ERROR':
      return { type: 'CLOUD_EVT_CONNECTING', err: evt.status };
    case 'NRF_CLOUD_EVT_TRANSPORT_CONNECTED':
      return { type: 'CLOUD_EVT_CONNECTED', persistentSession: evt.status === 1 };
    case 'NRF_CLOUD_EVT_USER_ASSOCIATION_REQUEST':
      return { type: 'CLOUD_EVT_PAIR_REQUEST' };
    case 'NRF_CLOUD_EVT_USER_ASSOCIATED':
      return { type: 'CLOUD_EVT_PAIR_DONE' };
    case 'NRF_CLOUD_EVT_READY':
      return { type: 'CLOUD_EVT_READY' };
    case 'NRF_CLOUD_EVT_SENSOR_DATA_ACK':
      return { type: 'CLOUD_EVT_DATA_SENT' };
    case 'NRF_CLOUD_EVT_RX_DATA_GENERAL':
    case 'NRF_CLOUD_EVT_RX_DATA_SHADOW':
      return {
        type: 'CLOUD_EVT_DATA_RECEIVED',
        msg: {
          buf: evt.data ?? Buffer.alloc(0),
          qos: 'CLOUD_QOS_AT_LEAST_ONCE',
          endpoint: {
            type: evt.type === 'NRF_CLOUD_EVT_RX_DATA_SHADOW' ? 'CLOUD_EP_TOPIC_STATE' : 'CLOUD_EP_TOPIC_MSG',
            ...(evt.topic ? { str: evt.topic } : {}),
          },
        },
      };
    case 'NRF_CLOUD_EVT_TRANSPORT_DISCONNECTED':
      return { type: 'CLOUD_EVT_DISCONNECTED', err: evt.status };
    case 'NRF_CLOUD_EVT_FOTA_START':
      return { type: 'CLOUD_EVT_FOTA_START' };
    case 'NRF_CLOUD_EVT_FOTA_DONE':
      return { type: 'CLOUD_EVT_FOTA_DONE' };
    case 'NRF_CLOUD_EVT_ERROR':
    case 'NRF_CLOUD_EVT_FOTA_ERROR':
      return { type: 'CLOUD_EVT_ERROR', err: evt.status };
    default:
      return undefined;
  }
}

/** The `NRF_CLOUD` cloud_api backend over {@link NrfCloud}. */
export class NrfCloudBackend implements CloudBackend {
  readonly name = 'NRF_CLOUD';
  private cloud: NrfCloud | undefined;

  constructor(
    private readonly modem: DeviceModem,
    private readonly config: NrfCloudConfig,
  ) {}

  get id(): string | undefined {
    return this.cloud?.clientId;
  }

  /** The library underneath, once initialised. */
  get library(): NrfCloud | undefined {
    return this.cloud;
  }

  async init(handler: CloudEvtHandler): Promise<number> {
    if (this.cloud) return -Errno.EACCES;
    const created = await NrfCloud.init(this.modem, this.config, (evt) => {
      const mapped = nrfCloudToCloudEvent(evt);
      if (mapped) handler(this, mapped);
    });
    if (typeof created === 'number') return created;
    this.cloud = created;
    return 0;
  }

  uninit(): number {
    const err = this.cloud?.uninit() ?? -Errno.EACCES;
    if (err === 0) this.cloud = undefined;
    return err;
  }

  connect(): number {
    return this.cloud ? this.cloud.connect() : -1; // CLOUD_CONNECT_RES_ERR_NOT_INITD
  }

  disconnect(): number {
    return this.cloud ? this.cloud.disconnect() : -Errno.ENOTCONN;
  }

  /** MSG to d2c, STATE to the shadow, BATCH to d2c/bulk (`nrf_cloud_send`). */
  send(msg: CloudMsg): number {
    const cloud = this.cloud;
    if (!cloud) return -Errno.ENOTCONN;
    const qos = msg.qos === 'CLOUD_QOS_AT_MOST_ONCE' ? 0 : 1;
    switch (msg.endpoint.type) {
      case 'CLOUD_EP_TOPIC_MSG':
        return cloud.send({ topicType: 'NRF_CLOUD_TOPIC_MESSAGE', data: msg.buf, qos });
      case 'CLOUD_EP_TOPIC_STATE':
        return cloud.send({ topicType: 'NRF_CLOUD_TOPIC_STATE', data: msg.buf, qos });
      case 'CLOUD_EP_TOPIC_BATCH':
        return cloud.send({ topicType: 'NRF_CLOUD_TOPIC_BULK', data: msg.buf, qos });
      default:
        return -Errno.ENOTSUP;
    }
  }

  ping(): number {
    return this.cloud ? this.cloud.ping() : -Errno.ENOTCONN;
  }

  input(): number {
    return this.cloud ? this.cloud.process() : -Errno.EACCES;
  }
}
