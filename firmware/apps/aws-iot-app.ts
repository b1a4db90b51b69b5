import type { TimerHandle } from '../../core/clock.js';
import { AwsIot, type AwsIotEvt, type AwsIotShadowSubscription } from '../../cloud-libs/aws-iot/index.js';
import { lteLcInitAndConnect, type LteLcConfig } from '../../cloud-libs/lte-lc/index.js';
import type { AppContext, RunningApp } from '../app-context.js';

/** The image configuration of the `aws_iot` sample (its prj.conf options). */
export interface AwsIotAppConfig {
  /** CONFIG_AWS_IOT_BROKER_HOST_NAME. */
  endpoint: string;
  /** CONFIG_AWS_IOT_PORT (8883). */
  port?: number;
  /** CONFIG_AWS_IOT_SEC_TAG. */
  secTag: number;
  /**
   * CONFIG_AWS_IOT_CLIENT_ID_STATIC: the thing name. Without it the client id is `nrf-<IMEI>`, as
   * the sample builds it with CONFIG_AWS_IOT_CLIENT_ID_APP, so one image serves a fleet.
   */
  clientId?: string;
  /** CONFIG_PUBLICATION_INTERVAL_SECONDS (60). */
  publicationIntervalS?: number;
  /** CONFIG_CONNECTION_RETRY_TIMEOUT_SECONDS (30). */
  connectionRetryTimeoutS?: number;
  /** CONFIG_AWS_FOTA_DOWNLOAD_SECURITY_TAG: -1 downloads over HTTP. */
  downloadSecTag?: number;
  /** Download fragment size (1024 or less over HTTPS). */
  fragmentSize?: number;
  /** The application topics to subscribe (the sample's two `my-custom-topic/…` by default). */
  appTopics?: string[];
  /**
   * The shadow responses to subscribe (CONFIG_AWS_IOT_TOPIC_GET_ACCEPTED_SUBSCRIBE and friends):
   * `get/accepted`, `get/rejected`, `update/accepted`, `update/rejected`, `update/delta`, … By
   * default the sample's prj.conf set: `update/delta`, `get/accepted`, `get/rejected`; `[]` for none.
   */
  shadowSubscriptions?: AwsIotShadowSubscription[];
  /** CONFIG_MQTT_KEEPALIVE in seconds (60). */
  keepaliveS?: number;
  /** CONFIG_LTE_PSM_REQ with CONFIG_LTE_PSM_REQ_RPTAU / _RAT: 3GPP timer bit strings. */
  psm?: { periodicTau: string; activeTime: string };
  /** CONFIG_LTE_EDRX_REQ with CONFIG_LTE_EDRX_REQ_VALUE_LTE_M: a 4-bit eDRX value string. */
  edrx?: string;
}

const TIMER_BITS = /^[01]{8}$/;

/** The lte_lc requests of the image configuration, or a message naming the field that is wrong. */
function readLteConfig(config: Record<string, unknown>): LteLcConfig | string {
  const out: LteLcConfig = {};
  const { psm, edrx } = config;
  if (psm !== undefined) {
    const p = psm as { periodicTau?: unknown; activeTime?: unknown } | null;
    if (
      typeof p !== 'object' ||
      p === null ||
      typeof p.periodicTau !== 'string' ||
      !TIMER_BITS.test(p.periodicTau) ||
      typeof p.activeTime !== 'string' ||
      !TIMER_BITS.test(p.activeTime)
    ) {
      return 'config.psm must be { periodicTau, activeTime } as 8-bit timer strings, e.g. "00100001"';
    }
    out.psm = { periodicTau: p.periodicTau, activeTime: p.activeTime };
  }
  if (edrx !== undefined) {
    if (typeof edrx !== 'string' || !/^[01]{4}$/.test(edrx)) {
      return 'config.edrx must be a 4-bit eDRX value string, e.g. "0101"';
    }
    out.edrx = { ltem: edrx };
  }
  return out;
}

const SHADOW_SUBSCRIPTIONS: readonly string[] = [
  'get/accepted',
  'get/rejected',
  'update/accepted',
  'update/rejected',
  'update/delta',
  'delete/accepted',
  'delete/rejected',
];

/** CONFIG_AWS_IOT_TOPIC_{UPDATE_DELTA,GET_ACCEPTED,GET_REJECTED}_SUBSCRIBE=y in the sample's prj.conf. */
const SAMPLE_SHADOW_SUBSCRIPTIONS: AwsIotShadowSubscription[] = [
  'update/delta',
  'get/accepted',
  'get/rejected',
];

/**
 * The samples' prj.conf raises CONFIG_DOWNLOAD_CLIENT_MAX_FILENAME_SIZE from 192 to 1024: a
 * presigned S3 URL's path and query do not fit the default.
 */
export const SAMPLE_FOTA_DOWNLOAD = { downloadClient: { maxFilenameSize: 1024 } } as const;

/** The sample's application topics (CONFIG_AWS_IOT_APP_SUBSCRIPTION_LIST_COUNT = 2). */
export const AWS_IOT_SAMPLE_TOPICS = ['my-custom-topic/example', 'my-custom-topic/example_2'] as const;

function readConfig(
  config: Record<string, unknown>,
  imei: string,
): (AwsIotAppConfig & { clientId: string }) | string {
  const { endpoint, secTag, clientId } = config;
  if (typeof endpoint !== 'string' || endpoint === '')
    return 'config.endpoint (the AWS IoT endpoint) is missing';
  if (clientId !== undefined && (typeof clientId !== 'string' || clientId === '')) {
    return 'config.clientId (the thing name) must be a non-empty string';
  }
  if (typeof secTag !== 'number') return 'config.secTag (the sec tag with the MQTT credentials) is missing';
  const num = (key: string): Record<string, number> =>
    typeof config[key] === 'number' ? { [key]: config[key] } : {};
  return {
    endpoint,
    clientId: typeof clientId === 'string' ? clientId : `nrf-${imei}`,
    secTag,
    ...num('port'),
    ...num('publicationIntervalS'),
    ...num('connectionRetryTimeoutS'),
    ...num('downloadSecTag'),
    ...num('fragmentSize'),
    ...num('keepaliveS'),
    ...(Array.isArray(config.appTopics) && config.appTopics.every((t) => typeof t === 'string')
      ? { appTopics: config.appTopics as string[] }
      : {}),
    ...(Array.isArray(config.shadowSubscriptions) &&
    config.shadowSubscriptions.every((t) => typeof t === 'string' && SHADOW_SUBSCRIPTIONS.includes(t))
      ? { shadowSubscriptions: config.shadowSubscriptions as AwsIotShadowSubscription[] }
      : {}),
  };
}

/**
 * The NCS `aws_iot` sample: connects to AWS IoT with aws_iot, confirms the running image once
 * connected, reports `app_version`, the battery voltage (`%XVBAT`) and a timestamp to the Device
 * Shadow when ready and then every publication interval, takes firmware jobs through aws_fota and
 * reboots into them, and reconnects after a retry timeout when the connection drops. It reports
 * through `ctx.report`: `config-error`, `connected`, `ready`, `error`, `shadow-update` (the document sent),
 * `data` (a message on a subscribed topic), `disconnected`, `fota` (each FOTA event), `rebooting`.
 */
export function startAwsIotApp(ctx: AppContext): RunningApp {
  let stopped = false;
  let iot: AwsIot | undefined;
  let publication: TimerHandle | undefined;
  let retry: TimerHandle | undefined;

  const shadowUpdate = async (withVersion: boolean): Promise<void> => {
    if (!iot || stopped) return;
    const batv = /%XVBAT: (\d+)/.exec((await ctx.modem.channel().command('AT%XVBAT')).join('\n'))?.[1];
    const reported: Record<string, unknown> = {
      ...(withVersion ? { app_version: ctx.manifest.version } : {}),
      batv: batv === undefined ? 0 : Number(batv),
      ts: ctx.clock.now(),
    };
    const document = { state: { reported } };
    if (iot.send({ type: 'AWS_IOT_SHADOW_TOPIC_UPDATE', payload: JSON.stringify(document) }) === 0) {
      ctx.report('shadow-update', document);
    }
  };

  const onEvent = (c: AwsIotAppConfig, evt: AwsIotEvt): void => {
    if (stopped) return;
    switch (evt.type) {
      case 'AWS_IOT_EVT_CONNECTED':
        ctx.report('connected', { clientId: c.clientId });
        // Connected to the cloud: the image works, keep it (MCUboot would revert it otherwise).
        void ctx.image.writeImgConfirmed();
        break;
      case 'AWS_IOT_EVT_READY':
        ctx.report('ready', {});
        void shadowUpdate(true);
        publication?.cancel();
        publication = ctx.clock.setInterval(
          () => void shadowUpdate(false),
          (c.publicationIntervalS ?? 60) * 1000,
        );
        break;
      case 'AWS_IOT_EVT_ERROR':
        // A refused CONNACK or subscription (an AWS IoT policy that does not allow a topic).
        ctx.report('error', { err: evt.err });
        break;
      case 'AWS_IOT_EVT_DATA_RECEIVED':
        ctx.report('data', { topic: evt.msg.topic, payload: evt.msg.payload.toString('utf8') });
        break;
      case 'AWS_IOT_EVT_CONNECTING':
      case 'AWS_IOT_EVT_DISCONNECTED':
        if (evt.type === 'AWS_IOT_EVT_CONNECTING' && evt.err === 0) break;
        ctx.report('disconnected', { event: evt.type, err: evt.err });
        publication?.cancel();
        retry = ctx.clock.setTimeout(() => iot?.connect(), (c.connectionRetryTimeoutS ?? 30) * 1000);
        break;
      case 'AWS_IOT_EVT_FOTA_DONE':
        ctx.report('fota', { id: evt.type });
        ctx.report('rebooting', {});
        iot?.disconnect();
        ctx.reboot();
        break;
      case 'AWS_IOT_EVT_FOTA_START':
      case 'AWS_IOT_EVT_FOTA_ERROR':
      case 'AWS_IOT_EVT_FOTA_ERASE_PENDING':
      case 'AWS_IOT_EVT_FOTA_ERASE_DONE':
        ctx.report('fota', { id: evt.type });
        break;
      case 'AWS_IOT_EVT_FOTA_DL_PROGRESS':
        ctx.report('fota', { id: evt.type, progress: evt.fotaProgress });
        break;
      default:
        break;
    }
  };

  const run = async (): Promise<void> => {
    // modem_info's IMEI: the default client id is built from it.
    const [imei = ''] = await ctx.modem.channel().command('AT+CGSN');
    const config = readConfig(ctx.manifest.config, imei);
    const lte = readLteConfig(ctx.manifest.config);
    if (typeof config === 'string' || typeof lte === 'string') {
      ctx.report('config-error', { message: typeof config === 'string' ? config : String(lte) });
      return;
    }
    await lteLcInitAndConnect(ctx.modem, lte);
    if (stopped) return;
    const created = AwsIot.init(
      ctx.modem,
      {
        host: config.endpoint,
        port: config.port ?? 8883,
        secTag: config.secTag,
        clientId: config.clientId,
        ...(config.keepaliveS !== undefined ? { keepaliveSeconds: config.keepaliveS } : {}),
        shadowSubscriptions: config.shadowSubscriptions ?? SAMPLE_SHADOW_SUBSCRIPTIONS,
        fota: {
          dfu: ctx.dfu,
          fotaDownload: SAMPLE_FOTA_DOWNLOAD,
          ...(config.downloadSecTag !== undefined ? { secTag: config.downloadSecTag } : {}),
          ...(config.fragmentSize !== undefined ? { fragmentSize: config.fragmentSize } : {}),
        },
      },
      (evt) => onEvent(config, evt),
    );
    if (typeof created === 'number') {
      ctx.report('config-error', { message: `aws_iot_init failed: ${created}` });
      return;
    }
    iot = created;
    const topics = config.appTopics ?? AWS_IOT_SAMPLE_TOPICS;
    if (topics.length > 0) iot.subscriptionTopicsAdd(topics);
    iot.connect();
  };
  run().catch((err: unknown) => {
    if (!stopped) ctx.report('failed', { message: err instanceof Error ? err.message : String(err) });
  });
  return {
    stop() {
      stopped = true;
      publication?.cancel();
      retry?.cancel();
      iot?.disconnect();
    },
  };
}
