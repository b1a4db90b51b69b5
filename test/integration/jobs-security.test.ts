import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closed,
  connectClient,
  createObserver,
  createThing,
  startStandIn,
  type StandIn,
  type ThingCredentials,
} from './broker-helpers.js';
import { createJob, JobsDevice, quiet } from './jobs-helpers.js';

let s: StandIn;
let bCreds: ThingCredentials;

beforeAll(async () => {
  s = await startStandIn();
  bCreds = await createThing(s.fixtures, 'iso-b');
});
afterAll(() => s.stop());

describe('Jobs and policies: a thing only sees its own jobs', () => {
  it("keeps another thing out of a thing's jobs and sends replies to the requester only", async () => {
    const a = await JobsDevice.connect(s.fixtures, 'iso-a');
    const b = await JobsDevice.connect(s.fixtures, 'iso-b', bCreds);
    const observer = await connectClient(
      s.fixtures,
      await createObserver(s.fixtures, 'iso-observer'),
      'iso-observer',
    );
    const seen: string[] = [];
    observer.on('message', (topic) => seen.push(topic));
    await observer.subscribeAsync('$aws/things/iso-a/jobs/#', { qos: 1 });

    await createJob(s.fixtures, 'secret-1', ['iso-a'], { secret: 'only for iso-a' });
    await a.waitFor('notify-next');
    expect((await a.request('secret-1/get', { clientToken: 'mine' })).accepted).toBe(true);
    await quiet(200);
    // Notifications go through the broker (the observer's policy allows them); replies do not.
    expect(seen).toContain('$aws/things/iso-a/jobs/notify-next');
    expect(seen).toContain('$aws/things/iso-a/jobs/notify');
    expect(seen.filter((t) => t.endsWith('/accepted') || t.endsWith('/rejected'))).toEqual([]);
    // B's own job topics stayed silent.
    expect(b.log).toEqual([]);

    // The default policy: B may not subscribe to A's job topics (the connection is closed, as AWS does) …
    const spy = await connectClient(s.fixtures, bCreds, 'iso-b');
    const spyClosed = closed(spy);
    spy.subscribe('$aws/things/iso-a/jobs/notify-next', { qos: 1 });
    await spyClosed;
    expect(s.fixtures.log.recent({ type: 'subscribe-refused', clientId: 'iso-b' })).not.toEqual([]);
    // … nor ask for them.
    const asker = await connectClient(s.fixtures, bCreds, 'iso-b');
    const askerClosed = closed(asker);
    asker.publish('$aws/things/iso-a/jobs/secret-1/get', '{}', { qos: 1 });
    await askerClosed;
    expect(s.fixtures.log.recent({ type: 'publish-refused', clientId: 'iso-b' })).not.toEqual([]);
    // The job execution is untouched.
    expect((await a.request('secret-1/get', {})).body).toMatchObject({
      execution: { status: 'QUEUED', versionNumber: 1 },
    });

    await a.end();
    await observer.endAsync();
  });
});
