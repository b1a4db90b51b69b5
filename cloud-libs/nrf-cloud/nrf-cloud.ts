import { Errno } from '../../modem/sockets/index.js';
import type { DeviceModem } from '../../modem/device-modem.js';
import { deviceStatusEncode, sensorMessageEncode, sensorShadowEncode } from './codec.js';
import { clientIdGet, NRF_CLOUD_DEFAULTS, SENSOR_UI_NAME, type NrfCloudConfig } from './config.js';
import { isValidUserTag, NCT_MSG_ID } from './message-ids.js';
import { NrfCloudFota } from './nrf-cloud-fota.js';
import { NrfCloudConnection, P_SESH } from './nrf-cloud-fsm.js';
import {
  NRF_CLOUD_SENSOR_APP_ID,
  type NrfCloudEvtHandler,
  type NrfCloudSensor,
  type NrfCloudTopicType,
} from './types.js';

/** `struct nrf_cloud_sensor_data`: `data` is a string (NMEA for GPS) or JSON; `tag` 10000–65535 gives an ACK. */
export interface NrfCloudSensorData {
  type: NrfCloudSensor;
  data: unknown;
  tag?: number;
  /** Milliseconds since the epoch (`ts`); left out when undefined. */
  ts?: number;
}

/** `struct nrf_cloud_tx_data`: pre-encoded data for one of the endpoints. */
export interface NrfCloudTxData {
  topicType: NrfCloudTopicType;
  data: string | Buffer;
  qos?: 0 | 1;
  tag?: number;
}

/**
 * nrf_cloud (NCS `subsys/net/lib/nrf_cloud`, the MQTT library) over the modem: the connection state
 * machine of `nrf_cloud_fsm.c` keyed on the message ids of `nrf_cloud.h`, the v3.x control channel
 * (`<id>/shadow/get/tf`, `…/get/accepted/tf`, `…/update/delta/trim`), association, the data
 * channel from the shadow's pairing topics, and FOTA on the same connection. Calls return 0 or a
 * negative errno / `nrf_cloud_connect_result`; what happens arrives as events. No automatic
 * reconnect: the application calls {@link connect} again, as with the C library.
 */
export class NrfCloud extends NrfCloudConnection {
  /**
   * `nrf_cloud_init`: the client id, saved settings, FOTA init (which validates an update after
   * its reboot). Resolves to the library or a negative errno.
   */
  static async init(
    modem: DeviceModem,
    config: NrfCloudConfig,
    handler: NrfCloudEvtHandler,
  ): Promise<NrfCloud | number> {
    const clientId = await clientIdGet(modem, config);
    if (typeof clientId === 'number') return clientId;
    const cloud = new NrfCloud(modem, config, handler, clientId);
    if (!(config.cleanSession ?? true)) cloud.sessionValid = (await cloud.settings.load(P_SESH)) === '1';
    const fota = config.fota;
    if (fota) {
      const { fota: lib, updated } = await NrfCloudFota.init(
        {
          sockets: modem.sockets,
          clock: modem.clock,
          dfu: fota.dfu,
          settings: cloud.settings,
          secTag: fota.secTag ?? config.secTag ?? NRF_CLOUD_DEFAULTS.secTag,
          owner: clientId,
          ...(fota.image ? { image: fota.image } : {}),
          ...(fota.modemDfuResult !== undefined ? { modemDfuResult: fota.modemDfuResult } : {}),
          ...(fota.fragmentSize !== undefined ? { fragmentSize: fota.fragmentSize } : {}),
          ...(fota.progressPctIncrement !== undefined
            ? { progressPctIncrement: fota.progressPctIncrement }
            : {}),
          ...(fota.autoStartJob !== undefined ? { autoStartJob: fota.autoStartJob } : {}),
          ...(fota.fotaDownload ? { fotaDownload: fota.fotaDownload } : {}),
          ...(fota.reboot ? { reboot: fota.reboot } : {}),
        },
        (evt) => cloud.onFotaEvt(evt),
      );
      cloud.fota = lib;
      // After a completed FOTA the next connection uses a clean session.
      if (updated && cloud.sessionValid) await cloud.saveSessionState(false);
    }
    return cloud;
  }

  get fotaLibrary(): NrfCloudFota | undefined {
    return this.fota;
  }

  /** `nrf_cloud_uninit`: -EBUSY while a FOTA job is active. */
  uninit(): number {
    if (this.fota?.isActive()) return -Errno.EBUSY;
    this.transport.disconnect();
    this.machine.transition('STATE_INITIALIZED');
    this.machine.transition('STATE_IDLE');
    return 0;
  }

  /** `nrf_cloud_process`: the poll thread does the work here; kept for the API's shape. */
  process(): number {
    return this.state === 'STATE_IDLE' ? -Errno.EACCES : 0;
  }

  /** `mqtt_ping` on the connection (`cloud_ping`); PINGRESP follows. */
  ping(): number {
    return this.transport.ping();
  }

  /** The user association of the PIN era: JITP devices are associated from the cloud (-ENOTSUP). */
  userAssociate(): number {
    return -Errno.ENOTSUP;
  }

  /** `nrf_cloud_sensor_attach` (the seed's API): adds the sensor to `serviceInfo.ui`; SENSOR_ATTACHED follows. */
  sensorAttach(type: NrfCloudSensor): number {
    const ui = SENSOR_UI_NAME[type];
    if (ui && !this.ui.includes(ui)) this.ui.push(ui);
    this.emit('NRF_CLOUD_EVT_SENSOR_ATTACHED');
    return 0;
  }

  /** `nrf_cloud_sensor_data_send`: QoS 1 to d2c; -EACCES before READY. */
  sensorDataSend(param: NrfCloudSensorData): number {
    return this.sensorData(param, 1);
  }

  /** `nrf_cloud_sensor_data_stream`: QoS 0 to d2c; -EACCES before READY. */
  sensorDataStream(param: NrfCloudSensorData): number {
    return this.sensorData(param, 0);
  }

  /** `nrf_cloud_shadow_update`: `{"state":{"reported":{"<appId>":<data>}}}`; -EACCES before READY. */
  shadowUpdate(param: NrfCloudSensorData): number {
    if (this.state !== 'STATE_DC_CONNECTED') return -Errno.EACCES;
    const payload = sensorShadowEncode(NRF_CLOUD_SENSOR_APP_ID[param.type], param.data);
    return this.publishTagged(this.cc.update, payload, 1, param.tag);
  }

  /** `nrf_cloud_shadow_device_status_update`: `reported.device` with serviceInfo and info sections. */
  shadowDeviceStatusUpdate(info: Record<string, unknown>): number {
    if (this.state !== 'STATE_DC_CONNECTED') return -Errno.EACCES;
    const device = deviceStatusEncode(this.ui.length > 0 ? this.ui : null, this.fotaServiceTypes(), info);
    return this.publishTagged(this.cc.update, JSON.stringify({ state: { reported: { device } } }), 1, 0);
  }

  /** `nrf_cloud_send`: pre-encoded data to the shadow, d2c, bulk or binary topic. */
  send(tx: NrfCloudTxData): number {
    const eps = this.endpoints;
    if (tx.topicType === 'NRF_CLOUD_TOPIC_STATE') {
      if (!this.machine.is('STATE_UA_PIN_COMPLETE', 'STATE_DC_CONNECTING', 'STATE_DC_CONNECTED'))
        return -Errno.EACCES;
      return this.publishTagged(this.cc.update, tx.data, 1, tx.tag);
    }
    if (this.state !== 'STATE_DC_CONNECTED' || !eps) return -Errno.EACCES;
    const topic =
      tx.topicType === 'NRF_CLOUD_TOPIC_MESSAGE'
        ? eps.d2c
        : tx.topicType === 'NRF_CLOUD_TOPIC_BULK'
          ? eps.bulk
          : eps.bin;
    return this.publishTagged(topic, tx.data, tx.qos ?? 1, tx.tag);
  }

  private sensorData(param: NrfCloudSensorData, qos: 0 | 1): number {
    const eps = this.endpoints;
    if (this.state !== 'STATE_DC_CONNECTED' || !eps) return -Errno.EACCES;
    const payload = sensorMessageEncode(NRF_CLOUD_SENSOR_APP_ID[param.type], param.data, param.ts);
    return this.publishTagged(eps.d2c, payload, qos, param.tag);
  }

  /** A user tag (10000–65535) is the message id and its PUBACK gives SENSOR_DATA_ACK; else the next id. */
  private publishTagged(
    topic: string,
    payload: string | Buffer,
    qos: 0 | 1,
    tag: number | undefined,
  ): number {
    const id = tag !== undefined && isValidUserTag(tag) ? tag : NCT_MSG_ID.USE_NEXT_INCREMENT;
    return this.transport.publish(topic, payload, qos, id, (err) => {
      if (!err) this.onTxAck(id);
    });
  }

  /** `nrf_cloud_modem_fota_completed`: reports a modem delta applied without a reboot. */
  modemFotaCompleted(success: boolean): Promise<number> {
    return this.fota ? this.fota.modemFotaCompleted(success) : Promise.resolve(-Errno.ENOTSUP);
  }
}
