/**
 * A child process of bench/fleet: N bare mqtt.js clients over mutual TLS doing what a fleet
 * device's aws_iot sample does against the same stand-in: connect as the thing, subscribe to the
 * shadow's get/accepted, get/rejected and update/delta, get the shadow, report once READY.
 */
import tls from 'node:tls';
import mqtt, { type MqttClient } from 'mqtt';

export interface BaselineJob {
  host: string;
  port: number;
  servername: string;
  caPem: string;
  things: Array<{ thingName: string; certificatePem: string; privateKey: string }>;
}

type FromBaseline =
  | { type: 'ready'; baseRssBytes: number }
  | { type: 'client'; thingName: string; readyMs: number }
  | { type: 'client-error'; thingName: string; message: string }
  | {
      type: 'metrics';
      rssBytes: number;
      heapUsedBytes: number;
      baseHeapBytes: number;
      cpuMicros: number;
      intervalMs: number;
    };

const send = (m: FromBaseline): void => void process.send?.(m);
const clients: MqttClient[] = [];
(globalThis as { gc?: () => void }).gc?.();
const baseRss = process.memoryUsage().rss;
const baseHeap = process.memoryUsage().heapUsed;

function run(job: BaselineJob): void {
  const t0 = performance.now();
  for (const thing of job.things) {
    const base = `$aws/things/${thing.thingName}/shadow`;
    const client = mqtt.connect({
      protocol: 'mqtts',
      host: job.host,
      port: job.port,
      clientId: thing.thingName,
      protocolVersion: 4,
      keepalive: 60,
      reconnectPeriod: 0,
      // One SecureContext per credential set, as the modem keeps them.
      secureContext: tls.createSecureContext({
        ca: job.caPem,
        cert: thing.certificatePem,
        key: thing.privateKey,
      }),
      servername: job.servername,
      rejectUnauthorized: true,
      // mqtt.js hands these to tls.connect; its type does not list secureContext.
    } as mqtt.IClientOptions);
    clients.push(client);
    client.on('connect', () => {
      client.subscribe(
        [`${base}/get/accepted`, `${base}/get/rejected`, `${base}/update/delta`],
        { qos: 1 },
        (err) => {
          if (err) {
            send({ type: 'client-error', thingName: thing.thingName, message: err.message });
            return;
          }
          client.publish(`${base}/get`, '');
          send({ type: 'client', thingName: thing.thingName, readyMs: performance.now() - t0 });
          const reported = { app_version: '1.0.0', batv: 3600, ts: Date.now() };
          client.publish(`${base}/update`, JSON.stringify({ state: { reported } }));
        },
      );
    });
    client.on('error', (err) =>
      send({ type: 'client-error', thingName: thing.thingName, message: err.message }),
    );
  }
}

let lastCpu = process.cpuUsage();
process.on(
  'message',
  (m: { type: 'run'; job: BaselineJob } | { type: 'metrics'; intervalMs: number } | { type: 'stop' }) => {
    if (m.type === 'run') run(m.job);
    else if (m.type === 'metrics') {
      (globalThis as { gc?: () => void }).gc?.();
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage(lastCpu);
      lastCpu = process.cpuUsage();
      send({
        type: 'metrics',
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        baseHeapBytes: baseHeap,
        cpuMicros: cpu.user + cpu.system,
        intervalMs: m.intervalMs,
      });
    } else {
      for (const c of clients) c.end(true);
      process.disconnect();
    }
  },
);
send({ type: 'ready', baseRssBytes: baseRss });
