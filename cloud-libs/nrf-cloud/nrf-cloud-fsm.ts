import type { MqttClient } from 'mqtt';
import { StateMachine } from '../../core/state-machine.js';
import { Errno } from '../../modem/sockets/index.js';
import type { DeviceModem } from '../../modem/device-modem.js';
import {
  configResponseEncode,
  dcRxTopicDecode,
  deviceStatusEncode,
  endpointDecode,
  isDisconnectionRequest,
  notAssociatedReportEncode,
  pairedReportEncode,
  shadowDataDecode,
  shadowStateDecode,
  TRANSFORM_TOPIC_PREFIX_AND_PAIRING,
  transformRequestEncode,
  type NctCcOpcode,
  type NrfCloudEndpoints,
} from './codec.js';
import {
  connackResultTranslate,
  connectErrorTranslate,
  NRF_CLOUD_DEFAULTS,
  type NrfCloudConfig,
} from './config.js';
import { NCT_MSG_ID, isValidUserTag } from './message-ids.js';
import { fotaCloudEvt } from './fota-job.js';
import type { NrfCloudFota, NrfCloudFotaEvt } from './nrf-cloud-fota.js';
import { CC_RX_STATES, NRF_CLOUD_TRANSITIONS, type NrfCloudState } from './nrf-cloud-state.js';
import { nctCcTopics, NctTransport, type NctCcTopics } from './nrf-cloud-transport.js';
import {
  MemoryNrfCloudSettings,
  NRF_CLOUD_FOTA_SERVICE_NAME,
  NrfCloudConnectResult,
  NrfCloudDisconnectStatus,
  NrfCloudErrStatus,
  type NrfCloudEvt,
  type NrfCloudEvtHandler,
  type NrfCloudEvtType,
  type NrfCloudSettings,
} from './types.js';

/** `nrf_cloud/p_sesh`: the previous session is valid (only with CONFIG_MQTT_CLEAN_SESSION=n). */
export const P_SESH = 'nrf_cloud/p_sesh';

/** The connection state machine of nrf_cloud (`nrf_cloud_fsm.c` with `nrf_cloud_transport.c`). */
export class NrfCloudConnection {
  readonly machine: StateMachine<NrfCloudState>;
  protected readonly transport: NctTransport;
  protected readonly cc: NctCcTopics;
  protected readonly settings: NrfCloudSettings;
  protected endpoints: NrfCloudEndpoints | undefined;
  protected fota: NrfCloudFota | undefined;
  protected persistentSession = false;
  protected sessionValid = false;
  protected jitpAssociationWait = false;
  protected addShadowInfo: boolean;
  protected disconnectRequested = false;
  protected connecting = false;
  protected readonly ui: string[];

  protected constructor(
    protected readonly modem: DeviceModem,
    protected readonly config: NrfCloudConfig,
    protected readonly handler: NrfCloudEvtHandler,
    readonly clientId: string,
  ) {
    this.machine = new StateMachine<NrfCloudState>(
      'nrf_cloud',
      'STATE_INITIALIZED',
      NRF_CLOUD_TRANSITIONS,
      clientId,
    );
    this.transport = new NctTransport(modem, config);
    this.cc = nctCcTopics(clientId);
    this.settings = config.settings ?? new MemoryNrfCloudSettings();
    this.addShadowInfo = config.sendShadowInfo ?? true;
    this.ui = [...(config.ui ?? [])];
  }

  get state(): NrfCloudState {
    return this.machine.state;
  }

  get mqttClient(): MqttClient | undefined {
    return this.transport.mqttClient;
  }

  /** The data channel and FOTA topics, once associated. */
  get dataEndpoints(): Readonly<NrfCloudEndpoints> | undefined {
    return this.endpoints;
  }

  /** `nrf_cloud_connect`: TRANSPORT_CONNECTING follows, then the connection's events. */
  connect(): number {
    if (this.state === 'STATE_IDLE') return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_NOT_INITD;
    if (this.state !== 'STATE_INITIALIZED' || this.connecting)
      return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_ERR_ALREADY_CONNECTED;
    this.disconnectRequested = false;
    this.connecting = true;
    this.persistentSession = this.sessionValid;
    this.emit('NRF_CLOUD_EVT_TRANSPORT_CONNECTING');
    const c = this.config;
    this.transport.connect(
      {
        clientId: this.clientId,
        host: c.host ?? NRF_CLOUD_DEFAULTS.host,
        port: c.port ?? NRF_CLOUD_DEFAULTS.port,
        secTag: c.secTag ?? NRF_CLOUD_DEFAULTS.secTag,
        clean: !this.sessionValid,
        keepalive: this.keepalive(),
      },
      {
        connack: (sp) => this.onConnack(sp),
        connackRefused: (rc) => {
          this.connecting = false;
          this.emit('NRF_CLOUD_EVT_ERROR', connackResultTranslate(rc));
        },
        connectFailed: (err) => {
          this.connecting = false;
          this.emit('NRF_CLOUD_EVT_TRANSPORT_CONNECT_ERROR', connectErrorTranslate(err));
        },
        publish: (topic, payload) => this.onPublish(topic, payload),
        pingresp: () => {
          if (this.state === 'STATE_DC_CONNECTED') this.emit('NRF_CLOUD_EVT_PINGRESP');
        },
        disconnected: () => this.onDisconnected(),
      },
    );
    return NrfCloudConnectResult.NRF_CLOUD_CONNECT_RES_SUCCESS;
  }

  /** `nrf_cloud_disconnect`: TRANSPORT_DISCONNECTED (USER_REQUEST) follows; -ENOTCONN when not connected. */
  disconnect(): number {
    if (this.state === 'STATE_INITIALIZED' && !this.connecting) return -Errno.ENOTCONN;
    this.disconnectRequested = true;
    return this.transport.disconnect() ? 0 : -Errno.ENOTCONN;
  }

  /** `serviceInfo.fota_v2`: the FOTA types taken, null without FOTA. */
  protected fotaServiceTypes(): string[] | null {
    const fota = this.config.fota;
    if (!fota) return null;
    return (fota.types ?? ['NRF_CLOUD_FOTA_APPLICATION', 'NRF_CLOUD_FOTA_MODEM_DELTA']).map(
      (t) => NRF_CLOUD_FOTA_SERVICE_NAME[t],
    );
  }

  protected keepalive(): number {
    return this.config.keepaliveSeconds ?? NRF_CLOUD_DEFAULTS.keepaliveSeconds;
  }

  protected emit(type: NrfCloudEvtType, status = 0, extra: Partial<NrfCloudEvt> = {}): void {
    this.handler({ type, status, ...extra });
  }

  protected onConnack(sessionPresent: boolean): void {
    this.connecting = false;
    const flag = sessionPresent && this.persistentSession;
    if (this.persistentSession && !sessionPresent) void this.saveSessionState(false);
    this.persistentSession = flag;
    this.machine.transition('STATE_CONNECTED');
    this.emit('NRF_CLOUD_EVT_TRANSPORT_CONNECTED', flag ? 1 : 0);
    if (flag) {
      this.ccConnected(NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_NONE);
      return;
    }
    this.transport.subscribe(
      this.cc.rx.map((r) => r.topic),
      NCT_MSG_ID.CC_SUB,
      (err) =>
        this.ccConnected(
          err
            ? NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_MQTT_SUB_FAIL
            : NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_NONE,
        ),
    );
    this.machine.transition('STATE_CC_CONNECTING');
  }

  /** `cc_connection_handler`: ask for the prefix and pairing through the shadow transform. */
  protected ccConnected(status: number): void {
    if (!this.machine.is('STATE_CC_CONNECTING', 'STATE_CONNECTED')) return;
    if (status !== NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_NONE) {
      this.emit('NRF_CLOUD_EVT_ERROR', status);
      this.disconnect();
      return;
    }
    this.machine.transition('STATE_CC_CONNECTED');
    const payload = transformRequestEncode(TRANSFORM_TOPIC_PREFIX_AND_PAIRING);
    if (this.transport.publish(this.cc.getTransform, payload, 1, NCT_MSG_ID.USE_NEXT_INCREMENT) !== 0) {
      this.machine.transition('STATE_CONNECTED');
      this.emit('NRF_CLOUD_EVT_ERROR', status);
      return;
    }
    this.machine.transition('STATE_CLOUD_STATE_REQUESTED');
  }

  protected onPublish(topic: string, payload: Buffer): void {
    if (this.fota?.onPublish(topic, payload)) return;
    const cc = this.cc.rx.find((r) => r.topic === topic);
    if (cc) {
      if (this.machine.is(...CC_RX_STATES)) this.ccRx(cc.opcode, topic, payload);
      return;
    }
    if (this.state === 'STATE_DC_CONNECTED') this.dcRx(topic, payload);
  }

  /** `cc_rx_data_handler`. */
  protected ccRx(opcode: NctCcOpcode, topic: string, payload: Buffer): void {
    if (opcode === 'NCT_CC_OPCODE_UPDATE_REJECTED') return;
    const data = shadowDataDecode(opcode, payload.toString('utf8'));
    if (!data) return;
    const current = this.state;
    let accept: 'STATE_UA_PIN_WAIT' | 'STATE_UA_PIN_COMPLETE' | undefined;
    let discon = false;
    if (!data.isErr) {
      const next = shadowStateDecode(data.state);
      if (typeof next === 'string') {
        if (current === 'STATE_DC_CONNECTING' || current === 'STATE_DC_CONNECTED') {
          // Removed from its account while connected: back to waiting for association.
          if (next === 'STATE_UA_PIN_WAIT') {
            accept = next;
            discon = true;
          }
        } else {
          accept = next;
        }
      }
      if (accept === 'STATE_UA_PIN_COMPLETE') {
        const eps = endpointDecode(data.state);
        if (typeof eps === 'number') accept = undefined;
        else this.setEndpoints(eps);
      }
      if (data.type === 'delta' && data.state.config !== undefined) {
        // Shadow config: accepted as reported, desired cleared, so the delta is not sent again.
        this.transport.publish(
          this.cc.update,
          configResponseEncode(data.state.config),
          1,
          NCT_MSG_ID.STATE_REPORT,
        );
      }
    }
    if (data.type === 'delta') this.emit('NRF_CLOUD_EVT_RX_DATA_SHADOW', 0, { data: payload, topic });
    if (accept === 'STATE_UA_PIN_COMPLETE') void this.uaPinComplete();
    else if (accept === 'STATE_UA_PIN_WAIT') {
      if (discon) this.dcDisconnect();
      this.uaPinWait();
    }
  }

  protected setEndpoints(eps: NrfCloudEndpoints): void {
    this.endpoints = eps;
    this.fota?.endpointSetAndReport(
      {
        publish: (t, p, id, ack) => void this.transport.publish(t, p, 1, id, ack),
        subscribe: (t, id, ack) => void this.transport.subscribe(t, id, ack),
      },
      this.clientId,
      eps.prefix,
    );
    if (this.persistentSession) this.fota?.updateCheck();
  }

  /** `state_ua_pin_wait`: the not-associated report (id 300) and USER_ASSOCIATION_REQUEST, once. */
  protected uaPinWait(): void {
    if (this.jitpAssociationWait) return;
    this.jitpAssociationWait = true;
    this.addShadowInfo = this.config.sendShadowInfo ?? true;
    void this.saveSessionState(false);
    this.transport.publish(this.cc.update, notAssociatedReportEncode(), 1, NCT_MSG_ID.STATE_REPORT);
    this.machine.transition('STATE_UA_PIN_WAIT');
    this.emit('NRF_CLOUD_EVT_USER_ASSOCIATION_REQUEST');
  }

  /** `state_ua_pin_complete`: the pairing report (id 301) and USER_ASSOCIATED. */
  protected async uaPinComplete(): Promise<void> {
    const eps = this.endpoints as NrfCloudEndpoints;
    let device: Record<string, unknown> | undefined;
    if (this.addShadowInfo) {
      const info = (await this.config.deviceInfo?.()) ?? {};
      const fotaTypes = this.fotaServiceTypes();
      device = deviceStatusEncode(this.ui.length > 0 ? this.ui : null, fotaTypes, {
        ...info,
        connectionInfo: { protocol: 'MQTT', method: 'LTE' },
      });
      this.addShadowInfo = false;
    }
    if (!this.machine.canTransition('STATE_UA_PIN_COMPLETE') && this.state !== 'STATE_UA_PIN_COMPLETE')
      return;
    this.jitpAssociationWait = false;
    this.transport.publish(
      this.cc.update,
      pairedReportEncode(eps, this.keepalive(), device),
      1,
      NCT_MSG_ID.PAIR_STATUS_REPORT,
      (err) => {
        if (!err) this.onTxAck(NCT_MSG_ID.PAIR_STATUS_REPORT);
      },
    );
    this.machine.transition('STATE_UA_PIN_COMPLETE');
    this.emit('NRF_CLOUD_EVT_USER_ASSOCIATED');
  }

  /** `cc_tx_ack_handler`: PUBACK 301 opens the data channel; a user tag gives SENSOR_DATA_ACK. */
  protected onTxAck(msgId: number): void {
    if (!this.machine.is('STATE_UA_PIN_COMPLETE', 'STATE_DC_CONNECTING', 'STATE_DC_CONNECTED')) return;
    if (msgId === NCT_MSG_ID.PAIR_STATUS_REPORT) {
      if (this.state !== 'STATE_UA_PIN_COMPLETE') return;
      if (this.persistentSession) {
        this.machine.transition('STATE_DC_CONNECTING');
        this.dcConnected(NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_NONE);
        return;
      }
      const eps = this.endpoints as NrfCloudEndpoints;
      this.transport.subscribe([eps.c2d], NCT_MSG_ID.DC_SUB, (err) => {
        if (err) this.dcConnected(NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_MQTT_SUB_FAIL);
        else {
          // Subscribing complete: the session is now valid; FOTA subscribes its job topic.
          void this.saveSessionState(true);
          this.dcConnected(NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_NONE);
          this.fota?.subscribe();
        }
      });
      this.machine.transition('STATE_DC_CONNECTING');
    } else if (isValidUserTag(msgId)) {
      this.emit('NRF_CLOUD_EVT_SENSOR_DATA_ACK', 0, { tag: msgId });
    }
  }

  /** `dc_connection_handler`: READY. */
  protected dcConnected(status: number): void {
    if (this.state !== 'STATE_DC_CONNECTING') return;
    if (status !== NrfCloudErrStatus.NRF_CLOUD_ERR_STATUS_NONE) {
      this.emit('NRF_CLOUD_EVT_ERROR', status);
      return;
    }
    this.machine.transition('STATE_DC_CONNECTED');
    this.emit('NRF_CLOUD_EVT_READY');
  }

  /** `nct_dc_disconnect`: unsubscribe c2d (151) and the FOTA topic (153). */
  protected dcDisconnect(): void {
    const eps = this.endpoints;
    if (eps) this.transport.unsubscribe([eps.c2d], NCT_MSG_ID.DC_UNSUB);
    const jobs = this.fota?.jobTopics;
    if (jobs) this.transport.unsubscribe([jobs.rcv], NCT_MSG_ID.FOTA_UNSUB);
  }

  /** `dc_rx_data_handler`: c2d data to the application; the DISCON message disconnects. */
  protected dcRx(topic: string, payload: Buffer): void {
    const kind = dcRxTopicDecode(topic);
    // A-GNSS and P-GPS answers go to those libraries, which the simulation does not have.
    if (kind === 'AGNSS' || kind === 'PGPS') return;
    if (kind === 'LOCATION') {
      this.emit('NRF_CLOUD_EVT_RX_DATA_LOCATION', 0, { data: payload, topic });
      return;
    }
    if (isDisconnectionRequest(payload.toString('utf8'))) {
      this.emit('NRF_CLOUD_EVT_RX_DATA_DISCON', 0, { data: payload, topic });
      // Device deleted from nRF Cloud.
      this.disconnect();
      return;
    }
    this.emit('NRF_CLOUD_EVT_RX_DATA_GENERAL', 0, { data: payload, topic });
  }

  protected onDisconnected(): void {
    this.connecting = false;
    this.endpoints = undefined;
    this.fota?.endpointClear();
    if (this.state !== 'STATE_IDLE' && this.state !== 'STATE_INITIALIZED')
      this.machine.transition('STATE_INITIALIZED');
    if (this.state === 'STATE_IDLE') return;
    this.emit(
      'NRF_CLOUD_EVT_TRANSPORT_DISCONNECTED',
      this.disconnectRequested
        ? NrfCloudDisconnectStatus.NRF_CLOUD_DISCONNECT_USER_REQUEST
        : NrfCloudDisconnectStatus.NRF_CLOUD_DISCONNECT_CLOSED_BY_REMOTE,
    );
  }

  protected onFotaEvt(evt: NrfCloudFotaEvt): void {
    this.config.fota?.onFotaEvt?.(evt);
    const type = fotaCloudEvt(evt.id);
    if (type && 'type' in evt) this.emit(type, 0, { fotaType: evt.type });
  }

  /** `nct_save_session_state` (only with CONFIG_MQTT_CLEAN_SESSION=n). */
  protected async saveSessionState(valid: boolean): Promise<void> {
    if (this.config.cleanSession ?? true) return;
    this.sessionValid = valid;
    await this.settings.save(P_SESH, valid ? '1' : '0');
  }
}
