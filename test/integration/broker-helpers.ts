import { Random } from '../../core/random.js';
import { systemClock } from '../../core/clock.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Modem } from '../../modem/modem.js';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  startBrokerFixtures,
  type BrokerFixtures,
  type BrokerFixturesOptions,
} from '../../broker-fixtures/index.js';

export interface StandIn {
  fixtures: BrokerFixtures;
  stateDir: string;
  /** Stops the stand-in; `keepState` leaves the state directory for a restart. */
  stop(keepState?: boolean): Promise<void>;
}

export async function tempStateDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'nrf91sim-broker-'));
}

export async function startStandIn(options: Partial<BrokerFixturesOptions> = {}): Promise<StandIn> {
  const stateDir = options.stateDir ?? (await tempStateDir());
  const fixtures = await startBrokerFixtures({
    clock: systemClock,
    random: new Random('broker'),
    port: 0,
    alpnPort: 0,
    apiPort: 0,
    ...options,
    stateDir,
  });
  return {
    fixtures,
    stateDir,
    async stop(keepState = false) {
      await fixtures.close();
      if (!keepState) await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export interface ThingCredentials {
  thingName: string;
  certificateId: string;
  cert: string;
  key: string;
}

export async function createThing(
  fixtures: BrokerFixtures,
  thingName: string,
  policyName?: string,
): Promise<ThingCredentials> {
  const [t] = await fixtures.provisioning.provisionThings([thingName], policyName);
  return { thingName, certificateId: t!.certificateId, cert: t!.certificatePem, key: t!.privateKey! };
}

export async function caPem(fixtures: BrokerFixtures): Promise<string> {
  return fixtures.ca.certificatePem;
}

/**
 * Connects mqtt.js with mutual TLS. Resolves on CONNACK; rejects when the stand-in drops the
 * connection instead (how AWS refuses an unknown or revoked certificate).
 */
export function connectClient(
  fixtures: BrokerFixtures,
  creds: { cert: string; key: string },
  clientId: string,
  extra: IClientOptions = {},
): Promise<MqttClient> {
  return connectMqtts({
    host: '127.0.0.1',
    port: fixtures.endpoints.mqttPort,
    servername: 'localhost',
    ca: fixtures.ca.certificatePem,
    cert: creds.cert,
    key: creds.key,
    clientId,
    connectTimeout: 5000,
    ...extra,
  });
}

/**
 * mqtt.js over mutual TLS (MQTT 3.1.1, no reconnect, server certificate checked). Resolves on
 * CONNACK; rejects when the broker drops the connection instead.
 */
export function connectMqtts(options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect({
    protocol: 'mqtts',
    rejectUnauthorized: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    ...options,
  });
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      client.end(true);
      reject(err);
    };
    client.once('connect', () => {
      client.off('error', fail);
      resolve(client);
    });
    client.once('error', fail);
    client.once('close', () => fail(new Error('connection closed before CONNACK')));
  });
}

/** Collects messages on `filter` until `count` arrived (or `timeoutMs` passed). */
export async function nextMessages(
  client: MqttClient,
  filter: string,
  count: number,
  timeoutMs = 5000,
): Promise<Array<{ topic: string; payload: string; retain: boolean }>> {
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', on);
      reject(new Error(`only ${got.length} of ${count} messages on ${filter}: ${JSON.stringify(got)}`));
    }, timeoutMs);
    const on = (topic: string, payload: Buffer, packet: { retain?: boolean }): void => {
      if (!mqttMatch(filter, topic)) return;
      got.push({ topic, payload: payload.toString(), retain: packet.retain === true });
      if (got.length >= count) {
        clearTimeout(timer);
        client.off('message', on);
        resolve(got);
      }
    };
    client.on('message', on);
  });
}

function mqttMatch(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Resolves when the client's connection closes (e.g. the stand-in dropped it). */
export function closed(client: MqttClient, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected && client.disconnected) return resolve();
    const timer = setTimeout(() => reject(new Error('the connection stayed open')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const OPEN_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }],
});

/** A thing whose policy allows everything: an observer for events and other things' topics. */
export async function createObserver(fixtures: BrokerFixtures, name = 'observer'): Promise<ThingCredentials> {
  if (!(await fixtures.registry.getPolicy('open'))) await fixtures.registry.createPolicy('open', OPEN_POLICY);
  return createThing(fixtures, name, 'open');
}

/** Puts a CA and, when given, a thing's certificate and key into `modem`'s sec tag `tag`. */
export async function putThingCredentials(
  modem: Modem,
  tag: number,
  ca: string,
  creds?: { cert: string; key: string },
): Promise<void> {
  await modem.credentials.put({ secTag: tag, type: 0, content: ca });
  if (!creds) return;
  await modem.credentials.put({ secTag: tag, type: 1, content: creds.cert });
  await modem.credentials.put({ secTag: tag, type: 2, content: creds.key });
}
