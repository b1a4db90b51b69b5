import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, SimError } from '../../core/errors.js';
import { MemoryStore, type StateChange } from '../../broker-fixtures/index.js';
import { connectClient, createThing, nextMessages, startStandIn, type StandIn } from './broker-helpers.js';
import { createJob, JobsDevice, quiet } from './jobs-helpers.js';

/**
 * A store whose writes reach "disk" only when the test says so: what the broker answers while a
 * write is held shows whether it acknowledges before its change is durable.
 */
class HeldStore extends MemoryStore {
  holding = false;
  failNext = false;
  private held: Array<{ resolve(): void; reject(err: Error): void }> = [];

  protected override persist(_changes: readonly StateChange[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new SimError(ErrorCode.PATH_UNWRITABLE, 'disk full'));
    }
    if (!this.holding) return Promise.resolve();
    return new Promise((resolve, reject) => this.held.push({ resolve, reject }));
  }

  get waiting(): number {
    return this.held.length;
  }

  release(): void {
    this.holding = false;
    for (const h of this.held.splice(0)) h.resolve();
  }
}

let s: StandIn;
const store = new HeldStore();

beforeAll(async () => {
  s = await startStandIn({ store });
});
afterAll(() => s.stop());

describe('the broker answers only what is durable', () => {
  it('publishes update/accepted only after the update is written, in request order', async () => {
    const creds = await createThing(s.fixtures, 'held-shadow');
    const c = await connectClient(s.fixtures, creds, 'held-shadow');
    const p = '$aws/things/held-shadow/shadow';
    await c.subscribeAsync(`${p}/update/accepted`, { qos: 1 });
    const got: number[] = [];
    c.on('message', (topic, payload) => {
      if (topic.endsWith('/update/accepted'))
        got.push((JSON.parse(payload.toString()) as { version: number }).version);
    });
    store.holding = true;
    for (let i = 0; i < 5; i++) {
      await c.publishAsync(`${p}/update`, JSON.stringify({ state: { reported: { n: i } } }), { qos: 1 });
    }
    await quiet(300);
    expect(store.waiting).toBe(5);
    expect(got).toEqual([]);
    store.release();
    for (let i = 0; i < 250 && got.length < 5; i++) await quiet(20);
    expect(got).toEqual([1, 2, 3, 4, 5]);
    await c.endAsync();
  });

  it('PUBACKs a jobs update only after the execution is written', async () => {
    const d = await JobsDevice.connect(s.fixtures, 'held-jobs');
    await createJob(s.fixtures, 'held-1', ['held-jobs']);
    store.holding = true;
    let acked = false;
    const publish = d.client
      .publishAsync(`${d.prefix}/held-1/update`, JSON.stringify({ status: 'IN_PROGRESS' }), { qos: 1 })
      .then(() => (acked = true));
    await quiet(300);
    expect(store.waiting).toBeGreaterThan(0);
    expect(acked).toBe(false);
    store.release();
    await publish;
    expect((await d.waitFor('held-1/update/accepted')).body).toMatchObject({ timestamp: expect.any(Number) });
    await d.end();
  });

  it('answers the console only after the change is written', async () => {
    store.holding = true;
    let answered = false;
    const res = fetch(`${s.fixtures.endpoints.apiUrl}/things/held-console/shadow`, {
      method: 'POST',
      body: JSON.stringify({ state: { desired: { a: 1 } } }),
    }).then((r) => ((answered = true), r));
    await quiet(300);
    expect(answered).toBe(false);
    store.release();
    expect((await res).status).toBe(200);
  });

  it('answers 500 on update/rejected, not accepted, when the write fails', async () => {
    const creds = await createThing(s.fixtures, 'failing-shadow');
    const c = await connectClient(s.fixtures, creds, 'failing-shadow');
    const p = '$aws/things/failing-shadow/shadow';
    await c.subscribeAsync(`${p}/update/+`, { qos: 1 });
    store.failNext = true;
    const answer = nextMessages(c, `${p}/update/+`, 1);
    await c.publishAsync(`${p}/update`, JSON.stringify({ state: { reported: { x: 1 } }, clientToken: 'f' }), {
      qos: 1,
    });
    const [msg] = await answer;
    expect(msg!.topic).toBe(`${p}/update/rejected`);
    expect(JSON.parse(msg!.payload)).toMatchObject({
      code: 500,
      message: 'Internal service failure',
      clientToken: 'f',
    });
    await c.endAsync();
  });
});

describe('multi-record changes are one commit', () => {
  it('writes a provisioned thing, its certificate and both attachments as one journal line', async () => {
    const { readFile } = await import('node:fs/promises');
    const path = await import('node:path');
    const f = await startStandIn();
    try {
      const creds = await createThing(f.fixtures, 'atomic-thing');
      const lines = (await readFile(path.join(f.stateDir, 'broker', 'journal.log'), 'utf8')).split('\n');
      const line = lines.find((l) => l.includes('["put","things","atomic-thing"'));
      expect(line).toBeDefined();
      expect(line).toContain(`["put","certificates","${creds.certificateId}"`);
      expect(line).toContain(`"principals":["${creds.certificateId}"]`);
      expect(line).toMatch(/"policies":\["[^"]+"\]/);
    } finally {
      await f.stop();
    }
  });

  it('refuses to delete a policy still attached to a certificate, as AWS does', async () => {
    await createThing(s.fixtures, 'policy-holder', 'held-policy-x');
    const res = await s.fixtures.console.dispatch({ method: 'DELETE', url: '/policies/held-policy-x' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'NRF91SIM_INVALID_STATE' });
    expect(await s.fixtures.registry.getPolicy('held-policy-x')).toBeDefined();
  });
});
