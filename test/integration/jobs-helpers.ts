import type { MqttClient } from 'mqtt';
import type { BrokerFixtures } from '../../broker-fixtures/index.js';
import { connectClient, createThing, type ThingCredentials } from './broker-helpers.js';

export interface Received {
  topic: string;
  body: Record<string, unknown>;
}

/**
 * A device speaking the Jobs MQTT API with mqtt.js: it subscribes like SDK v2 (`/+` response
 * filters) or, when told, like nRF `aws_fota` (`/#`, ncs-behaviour.md §8 item 5), and records every
 * message it receives.
 */
export class JobsDevice {
  readonly log: Received[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    readonly client: MqttClient,
    readonly thingName: string,
  ) {
    client.on('message', (topic, payload) => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(payload.toString()) as Record<string, unknown>;
      } catch {
        body = { raw: payload.toString() };
      }
      this.log.push({ topic, body });
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static async connect(
    fixtures: BrokerFixtures,
    thingName: string,
    creds?: ThingCredentials,
    /** Filters under `…/jobs/` to subscribe to; default the SDK v2 set (`/+` response filters). */
    options: { filters?: string[] } = {},
  ): Promise<JobsDevice> {
    const c = creds ?? (await createThing(fixtures, thingName));
    const client = await connectClient(fixtures, c, thingName);
    const device = new JobsDevice(client, thingName);
    const filters = options.filters ?? [
      'notify',
      'notify-next',
      'get/+',
      'start-next/+',
      '+/get/+',
      '+/update/+',
    ];
    if (filters.length) await device.subscribe(...filters);
    return device;
  }

  async subscribe(...filters: string[]): Promise<void> {
    await this.client.subscribeAsync(
      filters.map((f) => `${this.prefix}/${f}`),
      { qos: 1 },
    );
  }

  get prefix(): string {
    return `$aws/things/${this.thingName}/jobs`;
  }

  /** Waits for the first message from `from` on (onward) whose topic ends with `suffix`. */
  async waitFor(suffix: string, from = 0, timeoutMs = 5000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.log
        .slice(from)
        .find((m) => m.topic === `${this.prefix}/${suffix}` || m.topic.endsWith(`/${suffix}`));
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${suffix} within ${timeoutMs} ms; got ${JSON.stringify(this.log.slice(from))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Publishes a request under `…/jobs/<path>` and resolves with its accepted or rejected answer. */
  async request(path: string, body: unknown): Promise<Received & { accepted: boolean }> {
    const from = this.log.length;
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    await this.client.publishAsync(`${this.prefix}/${path}`, payload, { qos: 1 });
    const deadline = Date.now() + 5000;
    for (;;) {
      const hit = this.log
        .slice(from)
        .find(
          (m) =>
            m.topic === `${this.prefix}/${path}/accepted` || m.topic === `${this.prefix}/${path}/rejected`,
        );
      if (hit) return { ...hit, accepted: hit.topic.endsWith('/accepted') };
      if (Date.now() > deadline)
        throw new Error(`no answer to ${path}; got ${JSON.stringify(this.log.slice(from))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Messages received since `from` whose topic ends with `suffix`. */
  since(from: number, suffix: string): Received[] {
    return this.log.slice(from).filter((m) => m.topic.endsWith(`/${suffix}`));
  }

  end(): Promise<void> {
    return this.client.endAsync();
  }
}

/** Creates a job through the console, as `nrf91sim jobs create` does. */
export async function createJob(
  fixtures: BrokerFixtures,
  jobId: string,
  things: string[],
  document: unknown = { operation: 'test' },
  extra: Record<string, unknown> = {},
): Promise<void> {
  const r = await fixtures.console.dispatch({
    method: 'PUT',
    url: `/jobs/${jobId}`,
    body: { targets: things.map((t) => (t.includes('/') ? t : `thing/${t}`)), document, ...extra },
  });
  if (r.status !== 200) throw new Error(`create ${jobId}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A short pause for asserting that nothing more arrives. */
export function quiet(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
