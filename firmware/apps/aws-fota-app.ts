import type { MqttClient } from 'mqtt';
import { AwsFota } from '../../cloud-libs/aws-fota/index.js';
import { createModemMqttClient } from '../../cloud-libs/common/index.js';
import { lteLcInitAndConnect } from '../../cloud-libs/lte-lc/index.js';
import type { AppContext, RunningApp } from '../app-context.js';
import { SAMPLE_FOTA_DOWNLOAD } from './aws-iot-app.js';

/** The image configuration of the `aws_fota` sample (its prj.conf options). */
export interface AwsFotaAppConfig {
  /** CONFIG_MQTT_BROKER_HOSTNAME: the AWS IoT endpoint. */
  endpoint: string;
  /** CONFIG_MQTT_BROKER_PORT (8883). */
  port?: number;
  /** CONFIG_SEC_TAG: CA, client certificate and key for the broker. */
  secTag: number;
  /** CONFIG_MQTT_CLIENT_ID: the thing name. */
  clientId: string;
  /** CONFIG_AWS_FOTA_DOWNLOAD_SECURITY_TAG: -1 downloads over HTTP. */
  downloadSecTag?: number;
  /** Download fragment size (1024 or less over HTTPS). */
  fragmentSize?: number;
}

function readConfig(config: Record<string, unknown>): AwsFotaAppConfig | string {
  const { endpoint, port, secTag, clientId, downloadSecTag, fragmentSize } = config;
  if (typeof endpoint !== 'string' || endpoint === '')
    return 'config.endpoint (the AWS IoT endpoint) is missing';
  if (typeof clientId !== 'string' || clientId === '') return 'config.clientId (the thing name) is missing';
  if (typeof secTag !== 'number') return 'config.secTag (the sec tag with the MQTT credentials) is missing';
  return {
    endpoint,
    clientId,
    secTag,
    ...(typeof port === 'number' ? { port } : {}),
    ...(typeof downloadSecTag === 'number' ? { downloadSecTag } : {}),
    ...(typeof fragmentSize === 'number' ? { fragmentSize } : {}),
  };
}

/**
 * The NCS `aws_fota` sample: confirms the running image, brings LTE up, connects to AWS IoT with the
 * sec tag's credentials, and lets aws_fota carry out the thing's firmware jobs; when one is done it
 * reboots into the new image. What it does is reported through `ctx.report` (the device's `app`
 * events): `config-error`, `connected`, `disconnected`, `fota` (each aws_fota event), `rebooting`.
 */
export function startAwsFotaApp(ctx: AppContext): RunningApp {
  let stopped = false;
  let client: MqttClient | undefined;
  const config = readConfig(ctx.manifest.config);
  const run = async (): Promise<void> => {
    if (typeof config === 'string') {
      ctx.report('config-error', { message: config });
      return;
    }
    // The sample confirms the image at start: a new image that gets this far stays.
    await ctx.image.writeImgConfirmed();
    await lteLcInitAndConnect(ctx.modem);
    if (stopped) return;
    client = createModemMqttClient(ctx.modem, {
      host: config.endpoint,
      port: config.port ?? 8883,
      secTags: [config.secTag],
      clientId: config.clientId,
      clean: true,
      reconnectPeriod: 5000,
    });
    client.on('connect', () => ctx.report('connected', { clientId: config.clientId }));
    client.on('close', () => {
      if (!stopped) ctx.report('disconnected', {});
    });
    client.on('error', () => undefined);
    new AwsFota(
      client,
      {
        clientId: config.clientId,
        sockets: ctx.modem.sockets,
        clock: ctx.clock,
        dfu: ctx.dfu,
        fotaDownload: SAMPLE_FOTA_DOWNLOAD,
        ...(config.downloadSecTag !== undefined ? { secTag: config.downloadSecTag } : {}),
        ...(config.fragmentSize !== undefined ? { fragmentSize: config.fragmentSize } : {}),
      },
      (evt) => {
        if (stopped) return;
        ctx.report('fota', { ...evt });
        if (evt.id === 'AWS_FOTA_EVT_DONE') {
          ctx.report('rebooting', {});
          ctx.reboot();
        }
      },
    );
  };
  run().catch((err: unknown) => {
    if (!stopped) ctx.report('failed', { message: err instanceof Error ? err.message : String(err) });
  });
  return {
    stop() {
      stopped = true;
      client?.end(true);
    },
  };
}
