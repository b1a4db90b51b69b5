/**
 * Crash trials of `nrf91sim broker`: the CLI runs as a child process on one state directory; a
 * burst of shadow updates (mutual-TLS MQTT, several in flight per thing) and thing provisioning
 * (console HTTP) runs against it; at a seeded random instant the child is killed with SIGKILL; a new
 * broker starts on the same state and the trial checks what AWS IoT promises:
 * - every update answered on `update/accepted` is there (the stored version is at least the last
 *   one acknowledged, with at least its value);
 * - no shadow version is issued twice, across every crash and restart;
 * - every thing whose provisioning was answered 2xx exists, with its certificate and policy, and no
 *   thing points at a certificate that does not exist.
 * Used by test/integration/broker-crash.test.ts (a few trials) and bench/broker-crash.ts (many).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { Random } from '../core/random.js';

export interface CrashTrialOptions {
  stateDir: string;
  trials: number;
  seed: string;
  /** Things updating their shadow during each burst. */
  writers?: number;
  /** Updates in flight per writer. */
  window?: number;
  /** The kill falls this many ms after the burst is under way: an update and a batch acknowledged (uniform). */
  killAfterMs?: [min: number, max: number];
}

export interface CrashReport {
  trials: number;
  acknowledgedUpdates: number;
  lostUpdates: number;
  repeatedVersions: number;
  acknowledgedThings: number;
  lostThings: number;
  danglingReferences: number;
  /** Updates acknowledged in the last 50 ms before a kill (the window the old write-behind lost). */
  acknowledgedWithin50msOfKill: number;
  killAfterMs: { min: number; max: number };
  restartMs: { mean: number; max: number };
  problems: string[];
}

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

interface Broker {
  child: ChildProcess;
  mqttPort: number;
  apiUrl: string;
  ca: string;
}

async function startBroker(stateDir: string): Promise<Broker> {
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot(), 'bin', 'nrf91sim.js'),
      'broker',
      '--state',
      stateDir,
      '--port',
      '0',
      '--alpn-port',
      '0',
      '--api-port',
      '0',
      '--no-s3',
      '--json',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      if (event.event === 'ready') resolve(event);
      else if (event.event === 'error') reject(new Error(`broker refused to start: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`broker exited (${code}) before ready: ${stderr}`)));
  });
  const { readFile } = await import('node:fs/promises');
  return {
    child,
    mqttPort: ready.mqttPort as number,
    apiUrl: ready.apiUrl as string,
    ca: await readFile(ready.caFile as string, 'utf8'),
  };
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function api<T>(
  broker: Broker,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(broker.apiUrl + url, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

interface Writer {
  thingName: string;
  cert: string;
  key: string;
}

/** Per shadow: every version seen on update/accepted, and the value it acknowledged. */
type History = Map<string, Map<number, { seq: number; at: number }>>;

async function burst(
  broker: Broker,
  writers: Writer[],
  window: number,
  trial: number,
  history: History,
  provisioned: Set<string>,
  stop: Promise<void>,
  running: () => void,
): Promise<void> {
  let stopped = false;
  // The kill is timed from the moment the burst is under way (an update and a provisioning batch
  // acknowledged), not from its start, so a slow machine still kills it mid-burst.
  let firstUpdate = false;
  let firstThings = false;
  const progressed = (): void => {
    if (firstUpdate && firstThings) running();
  };
  void stop.then(() => (stopped = true));
  const clients: MqttClient[] = [];
  const updates = writers.map(async (w, wi) => {
    const client = mqtt.connect({
      protocol: 'mqtts',
      host: '127.0.0.1',
      port: broker.mqttPort,
      servername: 'localhost',
      ca: broker.ca,
      cert: w.cert,
      key: w.key,
      clientId: w.thingName,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(client);
    client.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      client.once('connect', () => resolve());
      client.once('close', () => resolve());
    });
    if (!client.connected) return;
    const topic = `$aws/things/${w.thingName}/shadow`;
    const seen = history.get(w.thingName) ?? new Map();
    history.set(w.thingName, seen);
    let seq = trial * 1_000_000 + wi * 100_000;
    const send = (): void => {
      if (stopped || !client.connected) return;
      seq++;
      client.publish(
        `${topic}/update`,
        JSON.stringify({ state: { reported: { seq } }, clientToken: String(seq) }),
        { qos: 1 },
      );
    };
    client.on('message', (_t, payload) => {
      const body = JSON.parse(payload.toString()) as {
        version: number;
        state: { reported: { seq: number } };
      };
      if (seen.has(body.version))
        seen.set(-body.version, { seq: body.state.reported.seq, at: Date.now() }); // a repeat
      else seen.set(body.version, { seq: body.state.reported.seq, at: Date.now() });
      firstUpdate = true;
      progressed();
      send();
    });
    await new Promise<void>((resolve) => {
      client.subscribe(`${topic}/update/accepted`, { qos: 1 }, () => resolve());
      client.once('close', () => resolve());
    });
    for (let i = 0; i < window; i++) send();
  });
  const provisioning = (async () => {
    for (let batch = 0; !stopped; batch++) {
      const names = Array.from({ length: 3 }, (_, i) => `crash-${trial}-${batch}-${i}`);
      try {
        const r = await api(broker, 'POST', '/provision-things', { thingNames: names });
        if (r.status === 201) {
          for (const n of names) provisioned.add(n);
          firstThings = true;
          progressed();
        }
      } catch {
        return; // the broker is gone
      }
    }
  })();
  await Promise.all(updates);
  await stop;
  for (const c of clients) c.end(true);
  await provisioning;
}

/** Runs the trials; the report's `problems` list every broken promise found (empty when all hold). */
export async function runCrashTrials(options: CrashTrialOptions): Promise<CrashReport> {
  const random = new Random(options.seed);
  const [minKill, maxKill] = options.killAfterMs ?? [30, 400];
  const window = options.window ?? 8;
  const problems: string[] = [];
  const history: History = new Map();
  const provisioned = new Set<string>();
  const kills: number[] = [];
  const restarts: number[] = [];
  let recentAcks = 0;
  let broker = await startBroker(options.stateDir);
  const names = Array.from({ length: options.writers ?? 4 }, (_, i) => `writer-${i}`);
  const made = await api<{
    things: Array<{ thingName: string; certificatePem: string; privateKey: string }>;
  }>(broker, 'POST', '/provision-things', { thingNames: names });
  const writers = made.body.things.map((t) => ({
    thingName: t.thingName,
    cert: t.certificatePem,
    key: t.privateKey,
  }));
  for (const w of writers) provisioned.add(w.thingName);

  for (let trial = 0; trial < options.trials; trial++) {
    const after = random.int(minKill, maxKill);
    kills.push(after);
    let killedAt = 0;
    let running = (): void => undefined;
    // A broker that never gets going is killed after 30 s all the same (the check then reports it).
    const underWay = new Promise<void>((resolve) => {
      running = resolve;
      setTimeout(resolve, 30_000).unref();
    });
    const stop = underWay.then(
      () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            killedAt = Date.now();
            void kill(broker.child).then(resolve);
          }, after),
        ),
    );
    await burst(broker, writers, window, trial, history, provisioned, stop, () => running());
    for (const seen of history.values())
      for (const [v, e] of seen) if (v > 0 && killedAt - e.at <= 50 && e.at <= killedAt) recentAcks++;

    const started = Date.now();
    try {
      broker = await startBroker(options.stateDir);
    } catch (err) {
      problems.push(`trial ${trial}: ${(err as Error).message}`);
      break;
    }
    restarts.push(Date.now() - started);
    problems.push(...(await check(broker, trial, history, provisioned)));
  }
  await kill(broker.child);

  let acknowledged = 0;
  let repeated = 0;
  for (const seen of history.values()) {
    for (const v of seen.keys()) {
      if (v > 0) acknowledged++;
      else repeated++;
    }
  }
  const count = (re: RegExp): number => problems.filter((p) => re.test(p)).length;
  return {
    trials: options.trials,
    acknowledgedUpdates: acknowledged,
    lostUpdates: problems
      .map((p) => /(\d+) acknowledged update\(s\) gone/.exec(p)?.[1])
      .reduce((sum, n) => sum + Number(n ?? 0), 0),
    repeatedVersions: repeated + count(/issued again/),
    acknowledgedThings: provisioned.size,
    lostThings: count(/lost thing/),
    danglingReferences: count(/dangling/),
    acknowledgedWithin50msOfKill: recentAcks,
    killAfterMs: { min: Math.min(...kills), max: Math.max(...kills) },
    restartMs: {
      mean: Math.round(restarts.reduce((a, b) => a + b, 0) / Math.max(1, restarts.length)),
      max: Math.max(0, ...restarts),
    },
    problems,
  };
}

async function check(
  broker: Broker,
  trial: number,
  history: History,
  provisioned: Set<string>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [thing, seen] of history) {
    const versions = [...seen.keys()].filter((v) => v > 0);
    if (!versions.length) continue;
    const last = Math.max(...versions);
    const r = await api<{ version?: number; state?: { reported?: { seq?: number } } }>(
      broker,
      'GET',
      `/things/${thing}/shadow`,
    );
    const version = r.body.version ?? 0;
    const seq = r.body.state?.reported?.seq ?? -1;
    if (version < last || (version === last && seq !== seen.get(last)!.seq) || seq < seen.get(last)!.seq) {
      const lost = versions.filter((v) => v > version).length || 1;
      problems.push(
        `trial ${trial}: lost update: ${thing} acknowledged v${last} (seq ${seen.get(last)!.seq}), stored v${version} (seq ${seq}); ${lost} acknowledged update(s) gone`,
      );
    }
    // The next version issued must be new: a restart may not hand out an acknowledged one again.
    const next = await api<{ version: number }>(broker, 'POST', `/things/${thing}/shadow`, {
      state: { reported: { probe: trial } },
    });
    if (seen.has(next.body.version))
      problems.push(`trial ${trial}: ${thing} v${next.body.version} issued again`);
    seen.set(next.body.version, { seq, at: Date.now() });
  }
  const things = (
    await api<{ things: Array<{ thingName: string; principals: string[] }> }>(broker, 'GET', '/things')
  ).body.things;
  const certs = (
    await api<{ certificates: Array<{ certificateId: string; policies: string[] }> }>(
      broker,
      'GET',
      '/certificates',
    )
  ).body.certificates;
  const certIds = new Map(certs.map((c) => [c.certificateId, c]));
  const byName = new Map(things.map((t) => [t.thingName, t]));
  for (const name of provisioned) {
    const t = byName.get(name);
    if (!t) problems.push(`trial ${trial}: lost thing ${name}`);
    else if (!t.principals.length) problems.push(`trial ${trial}: lost thing ${name}'s certificate`);
  }
  for (const t of things) {
    for (const p of t.principals) {
      const c = certIds.get(p);
      if (!c) problems.push(`trial ${trial}: dangling: ${t.thingName} → certificate ${p}`);
      else if (!c.policies.length) problems.push(`trial ${trial}: dangling: certificate ${p} has no policy`);
    }
  }
  return problems;
}
