import type { TimerHandle } from '../../core/clock.js';
import { lteLcInitAndConnect } from '../../cloud-libs/lte-lc/index.js';
import {
  NrfCloud,
  type NrfCloudClientIdSource,
  type NrfCloudEvt,
  type NrfCloudFotaType,
  type NrfCloudSensor,
} from '../../cloud-libs/nrf-cloud/index.js';
import type { AppContext, RunningApp } from '../app-context.js';
import { SAMPLE_FOTA_DOWNLOAD } from './aws-iot-app.js';
import { deviceInfoSections, gpggaSentence, modemRsrp, modemTemperature } from './nrf-cloud-sensors.js';

/** The image configuration of the `nrf_cloud` sample (its prj.conf options). */
export interface NrfCloudAppConfig {
  /** CONFIG_NRF_CLOUD_HOST_NAME (`mqtt.nrfcloud.com`). */
  host?: string;
  /** CONFIG_NRF_CLOUD_PORT (8883). */
  port?: number;
  /** CONFIG_NRF_CLOUD_SEC_TAG (16842753). */
  secTag?: number;
  /** CONFIG_NRF_CLOUD_CLIENT_ID_SRC_* (IMEI: `nrf-<IMEI>`). */
  clientIdSource?: NrfCloudClientIdSource;
  /** CONFIG_NRF_CLOUD_CLIENT_ID, with clientIdSource COMPILE_TIME. */
  clientId?: string;
  /** Seconds between sensor reports (GPS, FLIP, TEMP, RSRP); 0 sends once at READY. */
  sensorIntervalS?: number;
  /** Seconds before reconnecting after a disconnect or a refused connection (JITP's first). */
  connectionRetryTimeoutS?: number;
  /** The FOTA types offered in `serviceInfo.fota_v2` (APP and MODEM). */
  fotaTypes?: NrfCloudFotaType[];
  /**
   * A modem delta is applied by re-initialising the modem library instead of rebooting, and
   * reported with `nrf_cloud_modem_fota_completed` (false: reboot, as after any FOTA).
   */
  modemFotaReinit?: boolean;
  /** The download sec tag (the library's by default; -1: HTTP). */
  downloadSecTag?: number;
  fragmentSize?: number;
}

const FOTA_TYPES: readonly NrfCloudFotaType[] = [
  'NRF_CLOUD_FOTA_APPLICATION',
  'NRF_CLOUD_FOTA_MODEM_DELTA',
  'NRF_CLOUD_FOTA_BOOTLOADER',
];

function readConfig(config: Record<string, unknown>): NrfCloudAppConfig | string {
  const out: NrfCloudAppConfig = {};
  if (config.modemFotaReinit !== undefined) {
    if (typeof config.modemFotaReinit !== 'boolean') return 'config.modemFotaReinit must be true or false';
    out.modemFotaReinit = config.modemFotaReinit;
  }
  for (const key of ['host', 'clientId'] as const) {
    const v = config[key];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      return `config.${key} must be a non-empty string`;
    if (typeof v === 'string') out[key] = v;
  }
  for (const key of [
    'port',
    'secTag',
    'sensorIntervalS',
    'connectionRetryTimeoutS',
    'downloadSecTag',
    'fragmentSize',
  ] as const) {
    const v = config[key];
    if (v !== undefined && typeof v !== 'number') return `config.${key} must be a number`;
    if (typeof v === 'number') out[key] = v;
  }
  const source = config.clientIdSource;
  if (source !== undefined) {
    if (!['IMEI', 'INTERNAL_UUID', 'MDM_DEVICE_UUID', 'COMPILE_TIME', 'RUNTIME'].includes(source as string))
      return 'config.clientIdSource: IMEI | INTERNAL_UUID | MDM_DEVICE_UUID | COMPILE_TIME | RUNTIME';
    out.clientIdSource = source as NrfCloudClientIdSource;
  }
  const types = config.fotaTypes;
  if (types !== undefined) {
    if (!Array.isArray(types) || !types.every((t) => FOTA_TYPES.includes(t as NrfCloudFotaType)))
      return `config.fotaTypes: a list of ${FOTA_TYPES.join(', ')}`;
    out.fotaTypes = types as NrfCloudFotaType[];
  }
  return out;
}

/**
 * The NCS nrf_cloud sample on the nrf_cloud library: LTE up, onboarding to nRF Cloud (retrying
 * after JITP's first refusal), association, then GPS (NMEA), FLIP, TEMP and RSRP as d2c messages
 * and device info in the shadow; FOTA jobs carried out and rebooted into (the library validates
 * them after the reboot). It reports through `ctx.report`: `config-error`, `connecting`,
 * `connected`, `association-request`, `associated`, `ready`, `sensor` (each message sent),
 * `data` (c2d), `shadow` (a delta), `disconnected`, `error`, `fota`, `rebooting`.
 */
export function startNrfCloudApp(ctx: AppContext): RunningApp {
  let stopped = false;
  let cloud: NrfCloud | undefined;
  let sensors: TimerHandle | undefined;
  let retry: TimerHandle | undefined;
  let flip = false;
  let unbind: (() => void) | undefined;

  const sendSensors = async (): Promise<void> => {
    const c = cloud;
    if (!c || stopped || c.state !== 'STATE_DC_CONNECTED') return;
    const ts = ctx.clock.now();
    flip = !flip;
    const temp = await modemTemperature(ctx.modem);
    const rsrp = await modemRsrp(ctx.modem);
    const messages: Array<{ type: NrfCloudSensor; data: string }> = [
      { type: 'NRF_CLOUD_SENSOR_GPS', data: gpggaSentence(ts, ctx.modem.random) },
      { type: 'NRF_CLOUD_SENSOR_FLIP', data: flip ? 'UPSIDE_DOWN' : 'NORMAL' },
    ];
    if (temp !== undefined) messages.push({ type: 'NRF_CLOUD_SENSOR_TEMP', data: String(temp) });
    if (rsrp !== undefined) messages.push({ type: 'NRF_CLOUD_LTE_LINK_RSRP', data: String(rsrp) });
    for (const m of messages) {
      if (c.sensorDataSend({ ...m, ts }) === 0) ctx.report('sensor', { sensor: m.type, data: m.data });
    }
  };

  let reinitializing = false;
  /** FOTA_DONE for a modem delta without a reboot: re-initialise the modem, report, reconnect. */
  const modemReinit = async (): Promise<void> => {
    reinitializing = true;
    cloud?.disconnect();
    const dfu = await ctx.modemLibReinit();
    ctx.report('modem-reinit', {
      result: dfu?.result ?? 'none',
      firmware: (await ctx.modem.channel().command('AT+CGMR'))[0],
    });
    await cloud?.modemFotaCompleted(dfu?.result === 'ok');
    await lteLcInitAndConnect(ctx.modem);
    reinitializing = false;
    retry?.cancel();
    if (!stopped) cloud?.connect();
  };

  const scheduleRetry = (seconds: number): void => {
    if (reinitializing) return;
    retry?.cancel();
    retry = ctx.clock.setTimeout(() => {
      if (!stopped) cloud?.connect();
    }, seconds * 1000);
  };

  const onEvent = (config: NrfCloudAppConfig, evt: NrfCloudEvt): void => {
    if (stopped) return;
    const retryS = config.connectionRetryTimeoutS ?? 10;
    switch (evt.type) {
      case 'NRF_CLOUD_EVT_TRANSPORT_CONNECTING':
        return ctx.report('connecting', {});
      case 'NRF_CLOUD_EVT_TRANSPORT_CONNECTED':
        return ctx.report('connected', { clientId: cloud?.clientId, persistentSession: evt.status === 1 });
      case 'NRF_CLOUD_EVT_USER_ASSOCIATION_REQUEST':
        return ctx.report('association-request', { clientId: cloud?.clientId });
      case 'NRF_CLOUD_EVT_USER_ASSOCIATED':
        return ctx.report('associated', { clientId: cloud?.clientId });
      case 'NRF_CLOUD_EVT_READY': {
        ctx.report('ready', {});
        void sendSensors();
        sensors?.cancel();
        const interval = config.sensorIntervalS ?? 10;
        if (interval > 0) sensors = ctx.clock.setInterval(() => void sendSensors(), interval * 1000);
        return;
      }
      case 'NRF_CLOUD_EVT_RX_DATA_GENERAL':
      case 'NRF_CLOUD_EVT_RX_DATA_LOCATION':
        return ctx.report('data', { topic: evt.topic, payload: evt.data?.toString('utf8') });
      case 'NRF_CLOUD_EVT_RX_DATA_SHADOW':
        return ctx.report('shadow', { payload: evt.data?.toString('utf8') });
      case 'NRF_CLOUD_EVT_TRANSPORT_DISCONNECTED':
      case 'NRF_CLOUD_EVT_TRANSPORT_CONNECT_ERROR':
        sensors?.cancel();
        ctx.report('disconnected', { event: evt.type, status: evt.status });
        return scheduleRetry(retryS);
      case 'NRF_CLOUD_EVT_ERROR':
        ctx.report('error', { status: evt.status });
        return scheduleRetry(retryS);
      case 'NRF_CLOUD_EVT_FOTA_START':
      case 'NRF_CLOUD_EVT_FOTA_ERROR':
      case 'NRF_CLOUD_EVT_FOTA_JOB_AVAILABLE':
        return ctx.report('fota', { id: evt.type, fotaType: evt.fotaType });
      case 'NRF_CLOUD_EVT_FOTA_DONE':
        ctx.report('fota', { id: evt.type, fotaType: evt.fotaType });
        sensors?.cancel();
        if (evt.fotaType === 'NRF_CLOUD_FOTA_MODEM_DELTA' && config.modemFotaReinit) {
          void modemReinit().catch((err: unknown) =>
            ctx.report('failed', { message: err instanceof Error ? err.message : String(err) }),
          );
          return;
        }
        ctx.report('rebooting', {});
        sensors?.cancel();
        cloud?.disconnect();
        ctx.reboot();
        return;
      default:
        return;
    }
  };

  const run = async (): Promise<void> => {
    const config = readConfig(ctx.manifest.config);
    if (typeof config === 'string') {
      ctx.report('config-error', { message: config });
      return;
    }
    await lteLcInitAndConnect(ctx.modem);
    if (stopped) return;
    const created = await NrfCloud.init(
      ctx.modem,
      {
        ...(config.host !== undefined ? { host: config.host } : {}),
        ...(config.port !== undefined ? { port: config.port } : {}),
        ...(config.secTag !== undefined ? { secTag: config.secTag } : {}),
        ...(config.clientIdSource !== undefined ? { clientIdSource: config.clientIdSource } : {}),
        ...(config.clientId !== undefined ? { clientId: config.clientId } : {}),
        ui: ['GPS', 'FLIP', 'TEMP', 'RSRP'],
        settings: ctx.settings,
        deviceInfo: () => deviceInfoSections(ctx.modem, ctx.manifest.version, ctx.manifest.app),
        fota: {
          dfu: ctx.dfu,
          image: ctx.image,
          modemDfuResult: ctx.modemDfu?.result,
          types: config.fotaTypes ?? ['NRF_CLOUD_FOTA_APPLICATION', 'NRF_CLOUD_FOTA_MODEM_DELTA'],
          fotaDownload: SAMPLE_FOTA_DOWNLOAD,
          reboot: () => {
            ctx.report('rebooting', { reason: 'FOTA validation' });
            ctx.reboot();
          },
          onFotaEvt: (evt) => {
            if (evt.id === 'NRF_CLOUD_FOTA_EVT_DL_PROGRESS')
              ctx.report('fota', { id: evt.id, progress: evt.progress });
          },
          ...(config.downloadSecTag !== undefined ? { secTag: config.downloadSecTag } : {}),
          ...(config.fragmentSize !== undefined ? { fragmentSize: config.fragmentSize } : {}),
        },
      },
      (evt) => onEvent(config, evt),
    );
    if (stopped) return;
    if (typeof created === 'number') {
      ctx.report('config-error', { message: `nrf_cloud_init failed: ${created}` });
      return;
    }
    cloud = created;
    // A DK button press and release: BUTTON "1" then "0" on d2c, as the sample's button handler sends.
    unbind = ctx.buttons.onChange((_button, pressed) => {
      const data = pressed ? '1' : '0';
      if (cloud?.sensorDataSend({ type: 'NRF_CLOUD_SENSOR_BUTTON', data, ts: ctx.clock.now() }) === 0) {
        ctx.report('sensor', { sensor: 'NRF_CLOUD_SENSOR_BUTTON', data });
      }
    });
    cloud.connect();
  };
  run().catch((err: unknown) => {
    if (!stopped) ctx.report('failed', { message: err instanceof Error ? err.message : String(err) });
  });
  return {
    stop() {
      stopped = true;
      unbind?.();
      sensors?.cancel();
      retry?.cancel();
      cloud?.disconnect();
    },
  };
}
