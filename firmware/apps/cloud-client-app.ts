import type { TimerHandle } from '../../core/clock.js';
import { cloudGetBinding, type CloudBackend, type CloudEvent } from '../../cloud-libs/cloud-api/index.js';
import { lteLcInitAndConnect } from '../../cloud-libs/lte-lc/index.js';
import type { AppContext, RunningApp } from '../app-context.js';
import { SAMPLE_FOTA_DOWNLOAD } from './aws-iot-app.js';

/** CONFIG_CLOUD_MESSAGE of the NCS cloud_client sample. */
export const CLOUD_CLIENT_MESSAGE = '{"state":{"reported":{"message":"Hello Internet of Things!"}}}';

/** The image configuration of the `cloud_client` sample. */
export interface CloudClientAppConfig {
  /** CONFIG_CLOUD_BACKEND: `NRF_CLOUD` or `AWS_IOT`. */
  backend: 'NRF_CLOUD' | 'AWS_IOT';
  /** The broker host: the AWS IoT endpoint (required for AWS_IOT), nRF Cloud's host otherwise. */
  endpoint?: string;
  port?: number;
  secTag?: number;
  /** The client id (AWS: the thing name); `nrf-<IMEI>` by default. */
  clientId?: string;
  /** CONFIG_CLOUD_MESSAGE_PUBLICATION_INTERVAL (seconds); 0 sends once at READY. */
  messageIntervalS?: number;
  /** CONFIG_CLOUD_MESSAGE. */
  message?: string;
  /** Seconds before reconnecting after a disconnect. */
  connectionRetryTimeoutS?: number;
}

function readConfig(config: Record<string, unknown>): CloudClientAppConfig | string {
  const { backend, endpoint, clientId, message } = config;
  if (backend !== 'NRF_CLOUD' && backend !== 'AWS_IOT') return 'config.backend must be NRF_CLOUD or AWS_IOT';
  if (backend === 'AWS_IOT' && (typeof endpoint !== 'string' || endpoint === ''))
    return 'config.endpoint (the AWS IoT endpoint) is missing';
  const out: CloudClientAppConfig = { backend };
  if (typeof endpoint === 'string') out.endpoint = endpoint;
  if (typeof clientId === 'string' && clientId !== '') out.clientId = clientId;
  if (typeof message === 'string') out.message = message;
  for (const key of ['port', 'secTag', 'messageIntervalS', 'connectionRetryTimeoutS'] as const) {
    const v = config[key];
    if (v !== undefined && typeof v !== 'number') return `config.${key} must be a number`;
    if (typeof v === 'number') out[key] = v;
  }
  return out;
}

/**
 * The NCS cloud_client sample: one image for either cloud through cloud_api. It looks the backend up
 * by name (`cloud_get_binding`), connects, publishes CONFIG_CLOUD_MESSAGE to the state endpoint
 * when ready and every interval, and reconnects after a disconnect. Reports: `config-error`,
 * `cloud` (every cloud_api event: `evt`, `err`), `sent`, `rebooting`.
 */
export function startCloudClientApp(ctx: AppContext): RunningApp {
  let stopped = false;
  let backend: CloudBackend | undefined;
  let timer: TimerHandle | undefined;
  let retry: TimerHandle | undefined;

  const publish = (config: CloudClientAppConfig): void => {
    const message = config.message ?? CLOUD_CLIENT_MESSAGE;
    const err = backend?.send({
      buf: message,
      qos: 'CLOUD_QOS_AT_LEAST_ONCE',
      endpoint: { type: 'CLOUD_EP_TOPIC_STATE' },
    });
    if (err === 0) ctx.report('sent', { backend: config.backend, message });
  };

  const onEvent = (config: CloudClientAppConfig, evt: CloudEvent): void => {
    if (stopped) return;
    ctx.report('cloud', {
      evt: evt.type,
      ...(evt.err !== undefined ? { err: evt.err } : {}),
      ...(evt.msg ? { payload: evt.msg.buf.toString() } : {}),
    });
    switch (evt.type) {
      case 'CLOUD_EVT_READY': {
        publish(config);
        timer?.cancel();
        const interval = config.messageIntervalS ?? 0;
        if (interval > 0) timer = ctx.clock.setInterval(() => publish(config), interval * 1000);
        return;
      }
      case 'CLOUD_EVT_CONNECTED':
        void ctx.image.writeImgConfirmed();
        return;
      case 'CLOUD_EVT_DISCONNECTED':
      case 'CLOUD_EVT_CONNECTING':
        if (evt.type === 'CLOUD_EVT_CONNECTING' && !evt.err) return;
        timer?.cancel();
        retry?.cancel();
        retry = ctx.clock.setTimeout(() => backend?.connect(), (config.connectionRetryTimeoutS ?? 10) * 1000);
        return;
      case 'CLOUD_EVT_FOTA_DONE':
        ctx.report('rebooting', {});
        backend?.disconnect();
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
    const [imei = ''] = await ctx.modem.channel().command('AT+CGSN');
    const clientId = config.clientId ?? `nrf-${imei}`;
    const fota = { dfu: ctx.dfu, fotaDownload: SAMPLE_FOTA_DOWNLOAD };
    backend = cloudGetBinding(config.backend, {
      modem: ctx.modem,
      nrfCloud: {
        ...(config.endpoint ? { host: config.endpoint } : {}),
        ...(config.port !== undefined ? { port: config.port } : {}),
        ...(config.secTag !== undefined ? { secTag: config.secTag } : {}),
        ...(config.clientId ? { clientIdSource: 'COMPILE_TIME' as const, clientId } : {}),
        settings: ctx.settings,
        fota: { ...fota, image: ctx.image, modemDfuResult: ctx.modemDfu?.result, reboot: ctx.reboot },
      },
      ...(config.endpoint
        ? {
            awsIot: {
              host: config.endpoint,
              port: config.port ?? 8883,
              secTag: config.secTag ?? 16842753,
              clientId,
              fota,
            },
          }
        : {}),
    });
    if (!backend) {
      ctx.report('config-error', { message: `no cloud backend ${config.backend}` });
      return;
    }
    const err = await backend.init((_b, evt) => onEvent(config, evt));
    if (stopped) return;
    if (err !== 0) {
      ctx.report('config-error', { message: `cloud_init failed: ${err}` });
      return;
    }
    backend.connect();
  };
  run().catch((err: unknown) => {
    if (!stopped) ctx.report('failed', { message: err instanceof Error ? err.message : String(err) });
  });
  return {
    stop() {
      stopped = true;
      timer?.cancel();
      retry?.cancel();
      backend?.disconnect();
    },
  };
}
