/**
 * The cluster benchmark's body (bench/cluster.ts prints it; the suite runs it with tiny numbers):
 * mutual-TLS connects/s and shadow round trips/s (update → update/accepted) through `nrf91sim
 * broker` processes: the embedded single-process stand-in, one cluster node on Redis, and two
 * cluster nodes on 127.0.0.2 and 127.0.0.3 sharing one Redis, with the clients spread over the
 * nodes. Same client workload, same run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';

export interface ClusterBenchOptions {
  /** A Redis whose databases 1 and 2 the run may use (empty at the start). */
  redisUrl: string;
  /** Things (one client each) doing round trips. */
  things: number;
  roundTrips: number;
  connects: number;
}

interface Ready {
  host: string;
  mqttPort: number;
  apiUrl: string;
  caFile: string;
}

interface Node {
  ready: Ready;
  child: ChildProcess;
}

interface Thing {
  thingName: string;
  certificatePem: string;
  privateKey: string;
}

export interface ConfigResult {
  nodes: number;
  store: 'file' | 'redis';
  connectsPerSecond: number;
  roundTripsPerSecond: number;
  /** Broker processes' RSS after the run, bytes. */
  brokerRss: number;
}

const WINDOW = 8;
const CONCURRENCY = 8;

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function rssOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

function startNode(args: string[]): Promise<Node> {
  const child = spawn(process.execPath, [path.join(repoRoot(), 'bin', 'nrf91sim.js'), 'broker', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`broker exited (${code}): ${err}`)));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event?: string } & Ready;
      if (event.event === 'ready') resolve({ ready: event, child });
    });
  });
}

async function provision(node: Ready, names: string[]): Promise<Thing[]> {
  const res = await fetch(`${node.apiUrl}/provision-things`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ thingNames: names }),
  });
  if (!res.ok) throw new Error(`provision-things: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { things: Thing[] }).things;
}

function connect(node: Ready, ca: string, thing: Thing, ctx: tls.SecureContext): Promise<MqttClient> {
  const client = mqtt.connect({
    protocol: 'mqtts',
    host: node.host,
    port: node.mqttPort,
    secureContext: ctx,
    ca,
    clientId: thing.thingName,
    protocolVersion: 4,
    reconnectPeriod: 0,
    keepalive: 1200,
  } as mqtt.IClientOptions);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('error', reject);
    client.once('close', () => reject(new Error(`${thing.thingName}: closed before CONNACK`)));
  });
}

async function runConfig(
  options: ClusterBenchOptions,
  work: string,
  label: string,
  hosts: string[],
  cluster: string | undefined,
): Promise<ConfigResult> {
  const ports = [await freePort(hosts[0]!), await freePort(hosts[0]!), await freePort(hosts[0]!)];
  const nodes: Node[] = [];
  try {
    for (const [i, host] of hosts.entries()) {
      nodes.push(
        await startNode([
          ...(cluster ? ['--cluster', cluster, '--node-id', `${label}-${i}`] : []),
          ...['--host', host, '--port', String(ports[0]), '--alpn-port', String(ports[1])],
          ...[
            '--api-port',
            String(ports[2]),
            '--no-s3',
            // Cluster nodes leave the nRF Cloud stand-in out; so does the baseline, for the same work.
            '--no-nrfcloud',
            '--json',
            '--state',
            path.join(work, `${label}-${i}`),
          ],
        ]),
      );
    }
    const ca = await readFile(nodes[0]!.ready.caFile, 'utf8');
    const names = Array.from({ length: options.things }, (_, i) => `${label}-t${i}`);
    const things = await provision(nodes[0]!.ready, names);
    const contexts = things.map((t) =>
      tls.createSecureContext({ cert: t.certificatePem, key: t.privateKey, ca }),
    );
    const nodeOf = (i: number): Ready => nodes[i % nodes.length]!.ready;

    // Each worker connects as its own thing, so no two connects share a client id (a takeover).
    let next = 0;
    const connectStart = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, things.length) }, async (_, w) => {
        while (next < options.connects) {
          const i = next++;
          const c = await connect(nodeOf(i), ca, things[w]!, contexts[w]!);
          await c.endAsync();
        }
      }),
    );
    const connectsPerSecond = options.connects / ((performance.now() - connectStart) / 1000);

    const clients = await Promise.all(things.map((t, i) => connect(nodeOf(i), ca, t, contexts[i]!)));
    const perClient = Math.ceil(options.roundTrips / clients.length);
    const roundStart = performance.now();
    await Promise.all(
      clients.map(async (client, i) => {
        const prefix = `$aws/things/${things[i]!.thingName}/shadow`;
        await client.subscribeAsync(`${prefix}/update/accepted`, { qos: 0 });
        let sent = 0;
        let done = 0;
        await new Promise<void>((resolve) => {
          const send = (): void => {
            sent++;
            client.publish(`${prefix}/update`, JSON.stringify({ state: { reported: { n: sent } } }), {
              qos: 0,
            });
          };
          client.on('message', () => {
            if (++done >= perClient) return resolve();
            if (sent < perClient) send();
          });
          for (let w = 0; w < Math.min(WINDOW, perClient); w++) send();
        });
      }),
    );
    const roundTripsPerSecond = (perClient * clients.length) / ((performance.now() - roundStart) / 1000);
    await Promise.all(clients.map((c) => c.endAsync()));
    const brokerRss = (await Promise.all(nodes.map((n) => rssOf(n.child.pid)))).reduce((a, b) => a + b, 0);
    return {
      nodes: nodes.length,
      store: cluster ? 'redis' : 'file',
      connectsPerSecond: Math.round(connectsPerSecond),
      roundTripsPerSecond: Math.round(roundTripsPerSecond),
      brokerRss,
    };
  } finally {
    for (const n of nodes) {
      n.child.removeAllListeners('exit');
      n.child.kill('SIGKILL');
    }
  }
}

/** Runs the three configurations one after another; the embedded one is the baseline. */
export async function runClusterBench(options: ClusterBenchOptions): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cluster-bench-'));
  const base = options.redisUrl.replace(/\/\d+$/, '');
  try {
    const embedded = await runConfig(options, work, 'embedded', ['127.0.0.1'], undefined);
    const one = await runConfig(options, work, 'one', ['127.0.0.2'], `${base}/1`);
    const two = await runConfig(options, work, 'two', ['127.0.0.2', '127.0.0.3'], `${base}/2`);
    return {
      node: process.version,
      cpus: os.cpus().length,
      things: options.things,
      roundTrips: options.roundTrips,
      connects: options.connects,
      baseline: embedded,
      clusterOneNode: one,
      clusterTwoNodes: two,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
