import type { TimerHandle } from '../../core/clock.js';
import { mqttagentREQUIRE_TLS } from '../../cloud-libs/freertos/agent-types.js';
import { ShadowReturnCode } from '../../cloud-libs/freertos/return-codes.js';
import { ShadowClient } from '../../cloud-libs/freertos/shadow-client.js';
import { lteLcInitAndConnect } from '../../cloud-libs/lte-lc/index.js';
import type { AppContext, RunningApp } from '../app-context.js';

/** The image configuration: the keys of the `aws_iot` sample, so one config builds either app. */
export interface FreeRtosShadowAppConfig {
  /** clientcredentialMQTT_BROKER_ENDPOINT. */
  endpoint: string;
  /** clientcredentialMQTT_BROKER_PORT (8883). */
  port?: number;
  /** The modem sec tag with the CA, the thing's certificate and key (the demo's credential keys). */
  secTag: number;
  /** clientcredentialIOT_THING_NAME, also the client id; `nrf-<IMEI>` without it. */
  clientId?: string;
  /** Seconds before connecting again after the connection failed or dropped (30). */
  connectionRetryTimeoutS?: number;
  /** shadowDemoTIMEOUT: the timeout of every Shadow call, in ms (30000). */
  timeoutMs?: number;
}

function readConfig(
  config: Record<string, unknown>,
  imei: string,
): Required<FreeRtosShadowAppConfig> | string {
  const { endpoint, secTag, clientId } = config;
  if (typeof endpoint !== 'string' || endpoint === '')
    return 'config.endpoint (the AWS IoT endpoint) is missing';
  if (typeof secTag !== 'number') return 'config.secTag (the sec tag with the MQTT credentials) is missing';
  if (clientId !== undefined && (typeof clientId !== 'string' || clientId === '')) {
    return 'config.clientId (the thing name) must be a non-empty string';
  }
  const num = (key: string, fallback: number): number => {
    const v = config[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return {
    endpoint,
    secTag,
    clientId: typeof clientId === 'string' ? clientId : `nrf-${imei}`,
    port: num('port', 8883),
    connectionRetryTimeoutS: num('connectionRetryTimeoutS', 30),
    timeoutMs: num('timeoutMs', 30_000),
  };
}

/** The demo's reported document (SHADOW_REPORTED_JSON) with its six-digit client token. */
function reportedDocument(powerOn: number, token: number): string {
  return JSON.stringify({
    state: { reported: { powerOn } },
    clientToken: String(token % 1_000_000).padStart(6, '0'),
  });
}

/** `state.powerOn` and `version` of a delta document, if it has both. */
function readDelta(document: Buffer): { powerOn: number; version: number } | undefined {
  try {
    const d = JSON.parse(document.toString('utf8')) as { version?: unknown; state?: { powerOn?: unknown } };
    const powerOn = d.state?.powerOn;
    if (typeof d.version !== 'number' || typeof powerOn !== 'number') return undefined;
    return { powerOn, version: d.version };
  } catch {
    return undefined;
  }
}

/**
 * The FreeRTOS Device Shadow demo on the modem: the device keeps `powerOn` in its shadow. Once
 * connected it registers the delta and updated callbacks, takes a pending desired state from the
 * shadow, and reports its state. A delta with a newer version and another `powerOn` changes the
 * state, and the main loop (not the callback, which runs in the MQTT task) reports it back. It runs
 * until stopped, connecting again when the connection drops. It reports through `ctx.report`:
 * `config-error`, `connected`, `delta` ({ powerOn, version }), `reported` ({ powerOn, code }),
 * `updated` (the new version), `disconnected` ({ code }) and `failed`.
 */
export function startFreeRtosShadowApp(ctx: AppContext): RunningApp {
  let stopped = false;
  let client: ShadowClient | undefined;
  let retry: TimerHandle | undefined;
  let powerOn = 0;
  let version = 0;
  /** Wakes the main loop: a state change to report, or the connection dropped. */
  let wake: () => void = () => undefined;

  const onDelta = (doc: Buffer): boolean => {
    const delta = readDelta(doc);
    // As the demo: older or repeated versions are discarded.
    if (!delta || delta.version <= version) return false;
    version = delta.version;
    ctx.report('delta', delta);
    if (delta.powerOn !== powerOn) {
      powerOn = delta.powerOn;
      wake();
    }
    return false;
  };

  const report = async (c: ShadowClient, name: string, timeoutMs: number): Promise<number> => {
    const data = reportedDocument(powerOn, ctx.clock.monotonic());
    const code = await c.update({ thingName: name, data, qos: 1 }, timeoutMs);
    ctx.report('reported', { powerOn, code });
    return code;
  };

  /** One connection: connect, register, catch up, report, then report every change until it drops. */
  const session = async (c: ShadowClient, config: Required<FreeRtosShadowAppConfig>): Promise<number> => {
    const { clientId: thing, timeoutMs } = config;
    const connect = { url: config.endpoint, port: config.port, flags: mqttagentREQUIRE_TLS, clientId: thing };
    const connected = await c.connect({ ...connect, secTags: [config.secTag], userData: thing }, timeoutMs);
    if (connected !== ShadowReturnCode.eShadowSuccess) return connected;
    ctx.report('connected', { clientId: thing });
    void ctx.image.writeImgConfirmed();
    let registered = await c.registerCallbacks(
      {
        thingName: thing,
        delta: (_u, _t, doc) => onDelta(doc),
        updated: (_u, _t, doc) => {
          const current = (JSON.parse(doc.toString('utf8')) as { current?: { version?: unknown } }).current;
          ctx.report('updated', { version: current?.version });
          return false;
        },
      },
      timeoutMs,
    );
    if (registered === ShadowReturnCode.eShadowSuccess) {
      const got = await c.get({ thingName: thing, qos: 1 }, timeoutMs);
      if (got.data) {
        const doc = JSON.parse(got.data.toString('utf8')) as {
          version?: number;
          state?: { delta?: unknown };
        };
        if (got.buffer) c.returnBuffer(got.buffer);
        if (doc.state?.delta)
          onDelta(Buffer.from(JSON.stringify({ version: doc.version, state: doc.state.delta })));
      }
      registered = await report(c, thing, timeoutMs);
    }
    let reported = powerOn;
    while (!stopped && c.agent.state === 'CONNECTED') {
      if (reported !== powerOn) {
        reported = powerOn;
        await report(c, thing, timeoutMs);
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return registered;
  };

  const run = async (): Promise<void> => {
    const [imei = ''] = await ctx.modem.channel().command('AT+CGSN');
    const config = readConfig(ctx.manifest.config, imei);
    if (typeof config === 'string') {
      ctx.report('config-error', { message: config });
      return;
    }
    await lteLcInitAndConnect(ctx.modem);
    const c = ShadowClient.create(ctx.modem);
    client = c;
    c.agent.machine.on('state', (to) => {
      if (to === 'NOT_CONNECTED') wake();
    });
    while (!stopped) {
      const code = await session(c, config);
      if (stopped) return;
      ctx.report('disconnected', { code });
      await new Promise<void>((resolve) => {
        retry = ctx.clock.setTimeout(resolve, config.connectionRetryTimeoutS * 1000);
        wake = resolve;
      });
    }
  };
  run().catch((err: unknown) => {
    if (!stopped) ctx.report('failed', { message: err instanceof Error ? err.message : String(err) });
  });
  return {
    stop() {
      stopped = true;
      retry?.cancel();
      wake();
      if (client) {
        const c = client;
        void c.disconnect().finally(() => c.clientDelete());
      }
    },
  };
}
