import { Random } from '../core/random.js';
import { systemClock } from '../core/clock.js';
/**
 * Broker benchmark: mTLS connections/s, round trips/s and memory per connection for the AWS IoT
 * stand-in (shadow update → update/accepted), bare aedes and Debian's mosquitto (publish →
 * own subscription), same client workload. Each broker runs in its own process, so memory is the
 * broker's alone. Prints one JSON object. Run with `npm run build:bench && node dist/bench/broker.js`.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Aedes } from 'aedes';
import { CertificateAuthority, startBrokerFixtures } from '../broker-fixtures/index.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 400);
const ROUND_TRIPS = Number(process.env.BENCH_ROUND_TRIPS ?? 4000);
const IDLE_CONNECTIONS = Number(process.env.BENCH_IDLE ?? 500);
const WINDOW = 16;
const CONCURRENCY = 8;

interface Target {
  port: number;
  thingName: string;
  cert: string;
  key: string;
  ca: string;
  /** Request topic and the topic its answer arrives on. */
  request: string;
  response: string;
  body(token: string): string;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

function connect(t: Target, clientId: string, secureContext: tls.SecureContext): Promise<MqttClient> {
  const options: IClientOptions & { secureContext: tls.SecureContext } = {
    protocol: 'mqtts',
    host: '127.0.0.1',
    port: t.port,
    servername: 'localhost',
    secureContext,
    rejectUnauthorized: true,
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    keepalive: 1200,
  };
  const client = mqtt.connect(options);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error(`${clientId}: closed before CONNACK`)));
  });
}

async function connectionsPerSecond(t: Target, ctx: tls.SecureContext): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CONNECTIONS) {
        next++;
        const c = await connect(t, t.thingName, ctx);
        await c.endAsync();
      }
    }),
  );
  return CONNECTIONS / ((performance.now() - start) / 1000);
}

async function roundTripsPerSecond(t: Target, ctx: tls.SecureContext): Promise<number> {
  const c = await connect(t, t.thingName, ctx);
  await c.subscribeAsync(t.response, { qos: 1 });
  let sent = 0;
  let done = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const send = (): void => {
      sent++;
      c.publish(t.request, t.body(`t${sent}`), { qos: 1 });
    };
    c.on('message', () => {
      done++;
      if (done === ROUND_TRIPS) resolve();
      else if (sent < ROUND_TRIPS) send();
    });
    for (let i = 0; i < WINDOW; i++) send();
  });
  const rate = ROUND_TRIPS / ((performance.now() - start) / 1000);
  await c.endAsync();
  return rate;
}

type Identity = (i: number) => { clientId: string; ctx: tls.SecureContext };

async function memoryPerConnection(t: Target, idsFor: Identity): Promise<number> {
  const before = await t.rss();
  const clients: MqttClient[] = [];
  for (let i = 0; i < IDLE_CONNECTIONS; i += CONCURRENCY) {
    clients.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, IDLE_CONNECTIONS - i) }, (_, k) => {
          const id = idsFor(i + k);
          return connect(t, id.clientId, id.ctx);
        }),
      )),
    );
  }
  await new Promise((r) => setTimeout(r, 500));
  const after = await t.rss();
  await Promise.all(clients.map((c) => c.endAsync()));
  return (after - before) / IDLE_CONNECTIONS;
}

async function measure(t: Target, idsFor: (ctx: tls.SecureContext) => Identity) {
  const ctx = tls.createSecureContext({ cert: t.cert, key: t.key, ca: t.ca });
  const connectionsPerSec = await connectionsPerSecond(t, ctx);
  const roundTripsPerSec = await roundTripsPerSecond(t, ctx);
  const bytesPerConnection = await memoryPerConnection(t, idsFor(ctx));
  await t.stop();
  return {
    connectionsPerSec: Math.round(connectionsPerSec),
    roundTripsPerSec: Math.round(roundTripsPerSec),
    kbPerConnection: Math.round(bytesPerConnection / 1024),
  };
}

/** A broker in a child process (this file with `serve <kind>`), answering `rss` over IPC. */
async function child(
  kind: 'stand-in' | 'aedes',
  dir: string,
): Promise<{ proc: ChildProcess; info: Record<string, unknown> }> {
  const proc = fork(fileURLToPath(import.meta.url), ['serve', kind, dir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.once('exit', () => proc.kill('SIGKILL'));
  const info = await new Promise<Record<string, unknown>>((resolve) =>
    proc.once('message', (m) => resolve(m as Record<string, unknown>)),
  );
  return { proc, info };
}

async function serve(kind: string, dir: string): Promise<void> {
  if (kind === 'stand-in') {
    const f = await startBrokerFixtures({
      clock: systemClock,
      random: new Random('broker'),
      stateDir: dir,
      port: 0,
      alpnPort: 0,
      apiPort: 0,
    });
    const things = await f.provisioning.provisionThings(
      Array.from({ length: IDLE_CONNECTIONS + 1 }, (_, i) => `bench_${i}`),
    );
    process.send!({
      port: f.endpoints.mqttPort,
      ca: f.ca.certificatePem,
      things: things.map((t) => ({ name: t.thingName, cert: t.certificatePem, key: t.privateKey })),
    });
  } else {
    const creds = JSON.parse(await readFile(path.join(dir, 'creds.json'), 'utf8')) as Record<string, string>;
    const broker = await Aedes.createBroker();
    const server = tls.createServer(
      {
        key: creds.serverKey,
        cert: creds.serverCert,
        ca: [creds.ca!],
        requestCert: true,
        rejectUnauthorized: true,
      },
      (s) => {
        // The same as the stand-in's listener (and mosquitto's set_tcp_nodelay below).
        s.setNoDelay(true);
        broker.handle(s);
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    process.send!({ port: (server.address() as net.AddressInfo).port });
  }
  // Whatever happens to the benchmark, its brokers do not outlive it.
  process.once('disconnect', () => process.exit(0));
  process.on('message', async (m) => {
    if (m === 'rss') process.send!({ rss: await rssOf(process.pid) });
  });
}

function askRss(proc: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    proc.once('message', (m) => resolve((m as { rss: number }).rss));
    proc.send('rss');
  });
}

async function stopChild(proc: ChildProcess): Promise<void> {
  const gone = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await gone;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-bench-'));
  const result: Record<string, unknown> = {
    node: process.version,
    cpus: os.cpus().length,
    connections: CONNECTIONS,
    roundTrips: ROUND_TRIPS,
    window: WINDOW,
    idleConnections: IDLE_CONNECTIONS,
  };
  try {
    // The stand-in: shadow update → update/accepted through the shadow service and policies.
    const s = await child('stand-in', path.join(work, 'state'));
    const things = s.info.things as Array<{ name: string; cert: string; key: string }>;
    const thing = things[0]!;
    const standIn = await measure(
      {
        port: s.info.port as number,
        thingName: thing.name,
        cert: thing.cert,
        key: thing.key,
        ca: s.info.ca as string,
        request: `$aws/things/${thing.name}/shadow/update`,
        response: `$aws/things/${thing.name}/shadow/update/accepted`,
        body: (token) => JSON.stringify({ state: { reported: { seq: token } }, clientToken: token }),
        rss: () => askRss(s.proc),
        stop: () => stopChild(s.proc),
      },
      () => (i) => {
        const t = things[i + 1]!;
        return {
          clientId: t.name,
          ctx: tls.createSecureContext({ cert: t.cert, key: t.key, ca: s.info.ca as string }),
        };
      },
    );

    // Plain PKI for the bare brokers.
    const ca = await CertificateAuthority.create('bench CA', systemClock);
    const server = await ca.issue({
      commonName: 'localhost',
      altNames: ['localhost', '127.0.0.1'],
      serverAuth: true,
    });
    const client = await ca.issue({ commonName: 'bench-client' });
    const creds = {
      ca: ca.certificatePem,
      serverCert: server.certificatePem,
      serverKey: server.privateKeyPem!,
      cert: client.certificatePem,
      key: client.privateKeyPem!,
    };
    await writeFile(path.join(work, 'creds.json'), JSON.stringify(creds));
    const echo = (port: number, rss: () => Promise<number>, stop: () => Promise<void>): Target => ({
      port,
      thingName: 'bench-client',
      cert: creds.cert,
      key: creds.key,
      ca: creds.ca,
      request: 'bench/echo',
      response: 'bench/echo',
      body: (token) => JSON.stringify({ state: { reported: { seq: token } }, clientToken: token }),
      rss,
      stop,
    });

    const a = await child('aedes', work);
    const bareAedes = await measure(
      echo(
        a.info.port as number,
        () => askRss(a.proc),
        () => stopChild(a.proc),
      ),
      (ctx) => (i) => ({ clientId: `idle-${i}`, ctx }),
    );

    let mosquitto: Record<string, unknown>;
    try {
      // mosquitto started as root drops to its own user, which must be able to read these.
      await chmod(work, 0o755);
      await Promise.all(
        Object.entries({
          'ca.pem': creds.ca,
          'server.crt': creds.serverCert,
          'server.key': creds.serverKey,
        }).map(([f, v]) => writeFile(path.join(work, f), v, { mode: 0o644 })),
      );
      const port = await freePort();
      await writeFile(
        path.join(work, 'mosquitto.conf'),
        [
          `listener ${port} 127.0.0.1`,
          'allow_anonymous true',
          `cafile ${work}/ca.pem`,
          `certfile ${work}/server.crt`,
          `keyfile ${work}/server.key`,
          'require_certificate true',
          'set_tcp_nodelay true',
          '',
        ].join('\n'),
      );
      const proc = spawn('mosquitto', ['-c', path.join(work, 'mosquitto.conf')], { stdio: 'ignore' });
      // Debian's mosquitto is optional: without it this column says why instead of failing the run.
      const missing = new Promise<never>((_, reject) => proc.once('error', reject));
      missing.catch(() => undefined);
      for (let i = 0; i < 100; i++) {
        if (proc.exitCode !== null || proc.pid === undefined) await missing;
        const up = await new Promise<boolean>((r) =>
          net
            .connect(port, '127.0.0.1')
            .once('connect', function (this: net.Socket) {
              this.destroy();
              r(true);
            })
            .once('error', () => r(false)),
        );
        if (up) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      mosquitto = await measure(
        echo(
          port,
          () => rssOf(proc.pid!),
          async () => {
            const gone = new Promise((r) => proc.once('exit', r));
            proc.kill('SIGTERM');
            await gone;
          },
        ),
        (ctx) => (i) => ({ clientId: `idle-${i}`, ctx }),
      );
    } catch (err) {
      mosquitto = { error: (err as Error).message };
    }
    result.standIn = { workload: 'shadow update → update/accepted', ...standIn };
    result.bareAedes = { workload: 'publish → own subscription', ...bareAedes };
    result.mosquitto = { workload: 'publish → own subscription', ...mosquitto };
    result.shadowVsBareAedesRoundTrips = Number(
      (standIn.roundTripsPerSec / bareAedes.roundTripsPerSec).toFixed(2),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

if (process.argv[2] === 'serve') await serve(process.argv[3]!, process.argv[4]!);
else await main();
