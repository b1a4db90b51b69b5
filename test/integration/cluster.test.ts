import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerFixtures } from '../../broker-fixtures/index.js';
import { VirtualClock } from '../../core/clock.js';
import { missingTools, tools } from '../helpers/system-tools.js';
import {
  closed,
  connectClient,
  createObserver,
  createThing,
  type ThingCredentials,
} from './broker-helpers.js';
import { Inbox, startCluster, type TestCluster } from './cluster-helpers.js';
import { createJob, JobsDevice } from './jobs-helpers.js';

const skip = missingTools(tools.redisServer);

describe.skipIf(skip !== undefined)(
  'two stand-in nodes on one Redis, real TLS, mqtt.js',
  { timeout: 90_000 },
  () => {
    let cluster: TestCluster;
    let a: BrokerFixtures;
    let b: BrokerFixtures;
    let observer: ThingCredentials;

    beforeAll(async () => {
      cluster = await startCluster(['node-a', 'node-b']);
      [a, b] = cluster.nodes as [BrokerFixtures, BrokerFixtures];
      observer = await createObserver(a);
    }, 60_000);
    afterAll(() => cluster?.stop());

    it('shares the CA and the registry: a thing made on node A connects to node B', async () => {
      expect(b.ca.certificatePem).toBe(a.ca.certificatePem);
      const creds = await createThing(a, 'shared-thing');
      expect(await b.registry.getThing('shared-thing')).toMatchObject({ thingName: 'shared-thing' });
      const c = await connectClient(b, creds, 'shared-thing');
      await c.endAsync();
    });

    it('routes messages between clients on different nodes, both ways', async () => {
      const dev = await connectClient(a, observer, 'route-a');
      const obs = await connectClient(b, observer, 'route-b');
      const devInbox = new Inbox(dev);
      const obsInbox = new Inbox(obs);
      await dev.subscribeAsync('route/to-a', { qos: 1 });
      await obs.subscribeAsync('route/to-b', { qos: 1 });
      await dev.publishAsync('route/to-b', JSON.stringify({ from: 'a' }), { qos: 1 });
      await obs.publishAsync('route/to-a', JSON.stringify({ from: 'b' }), { qos: 1 });
      expect(await obsInbox.wait('route/to-b')).toEqual([{ from: 'a' }]);
      expect(await devInbox.wait('route/to-a')).toEqual([{ from: 'b' }]);
      await Promise.all([dev.endAsync(), obs.endAsync()]);
    });

    it('keeps retained messages in Redis: published on node A, handed to an exact subscription on node B only', async () => {
      const pub = await connectClient(a, observer, 'retain-a');
      await pub.publishAsync('retained/topic', JSON.stringify({ kept: true }), { qos: 1, retain: true });
      const sub = await connectClient(b, observer, 'retain-b');
      const inbox = new Inbox(sub);
      // AWS hands retained messages to exact filters, not to wildcards (cloud-services.md §3.4).
      await sub.subscribeAsync('retained/+', { qos: 1 });
      await sub.subscribeAsync('retained/topic', { qos: 1 });
      expect(await inbox.wait('retained/topic')).toEqual([{ kept: true }]);
      await sub.subscribeAsync('barrier-r', { qos: 1 });
      await pub.publishAsync('barrier-r', '{}', { qos: 1 });
      await inbox.wait('barrier-r');
      expect(inbox.on('retained/topic')).toHaveLength(1);
      await Promise.all([pub.endAsync(), sub.endAsync()]);
    });

    it('handles a device shadow update once, answers it on the device node, notifies the other node', async () => {
      const creds = await createThing(a, 'shadow-x');
      const dev = await connectClient(a, creds, 'shadow-x');
      const obs = await connectClient(b, observer, 'shadow-obs');
      const p = '$aws/things/shadow-x/shadow';
      const devInbox = new Inbox(dev);
      const obsInbox = new Inbox(obs);
      await dev.subscribeAsync([`${p}/update/+`, `${p}/get/+`], { qos: 1 });
      await obs.subscribeAsync(`${p}/update/accepted`, { qos: 1 });
      await dev.publishAsync(
        `${p}/update`,
        JSON.stringify({ state: { reported: { n: 1 } }, clientToken: 't1' }),
        {
          qos: 1,
        },
      );
      const [accepted] = await devInbox.wait(`${p}/update/accepted`);
      expect(accepted).toMatchObject({ version: 1, clientToken: 't1' });
      await obsInbox.wait(`${p}/update/accepted`);
      // Handled twice would have made version 2: a get through the same device says 1.
      await dev.publishAsync(`${p}/get`, JSON.stringify({ clientToken: 'g' }), { qos: 1 });
      const [got] = await devInbox.wait(`${p}/get/accepted`);
      expect(got).toMatchObject({ version: 1 });
      expect(devInbox.on(`${p}/update/accepted`)).toHaveLength(1);
      expect(obsInbox.on(`${p}/update/accepted`)).toHaveLength(1);

      // Through node B's console: the device on node A gets the delta.
      const result = await b.shadows.handle(
        { thingName: 'shadow-x' },
        'update',
        JSON.stringify({ state: { desired: { n: 2 } } }),
      );
      expect(result.accepted).toBe(true);
      const [delta] = await devInbox.wait(`${p}/update/delta`);
      expect(delta).toMatchObject({ state: { n: 2 }, version: 2 });
      await Promise.all([dev.endAsync(), obs.endAsync()]);
    });

    it('keeps shadow versions strictly increasing under concurrent updates through both nodes', async () => {
      await createThing(a, 'raced');
      const updates = Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).shadows.handle(
          { thingName: 'raced' },
          'update',
          JSON.stringify({ state: { reported: { i } } }),
        ),
      );
      const results = await Promise.all(updates);
      const versions = results.map((r) => Number(r.body.version)).sort((x, y) => x - y);
      expect(results.every((r) => r.accepted)).toBe(true);
      expect(versions).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const got = await a.shadows.handle({ thingName: 'raced' }, 'get', '');
      expect(got.body.version).toBe(40);
    });

    it('delivers a job created through node A to a device on node B, and takes its update once', async () => {
      const creds = await createThing(a, 'job-dev');
      const dev = await connectClient(b, creds, 'job-dev');
      const inbox = new Inbox(dev);
      const p = '$aws/things/job-dev/jobs';
      await dev.subscribeAsync([`${p}/notify-next`, `${p}/+/update/+`], { qos: 1 });
      await a.jobs.control.createJob('cluster-job', {
        targets: [`arn:aws:iot:eu-west-1:123456789012:thing/job-dev`],
        document: JSON.stringify({ operation: 'hello' }),
      });
      const [next] = await inbox.wait(`${p}/notify-next`);
      expect(next).toMatchObject({ execution: { jobId: 'cluster-job', status: 'QUEUED', versionNumber: 1 } });
      await dev.publishAsync(
        `${p}/cluster-job/update`,
        JSON.stringify({ status: 'IN_PROGRESS', expectedVersion: 1, clientToken: 'u' }),
        { qos: 1 },
      );
      const [accepted] = await inbox.wait(`${p}/cluster-job/update/accepted`);
      expect(accepted).toMatchObject({ clientToken: 'u' });
      // A second handling would have been rejected as a version conflict.
      await dev.publishAsync(
        `${p}/cluster-job/update`,
        JSON.stringify({ status: 'SUCCEEDED', expectedVersion: 2, clientToken: 'v' }),
        { qos: 1 },
      );
      await inbox.wait(`${p}/cluster-job/update/accepted`, 2);
      expect(inbox.on(`${p}/cluster-job/update/rejected`)).toEqual([]);
      const execution = await b.jobs.queries.describeExecution('job-dev', 'cluster-job');
      expect(execution).toMatchObject({ execution: { status: 'SUCCEEDED', versionNumber: 3 } });
      await dev.endAsync();
    });

    it('drops a connection on node B once its certificate is revoked through node A', async () => {
      const creds = await createThing(a, 'revoked-dev');
      const dev = await connectClient(b, creds, 'revoked-dev');
      await dev.publishAsync('revoked-dev/x', 'before', { qos: 1 });
      await a.registry.updateCertificate(creds.certificateId, { status: 'REVOKED' });
      const gone = closed(dev, 20_000);
      // Node B hears of the change through Redis; its next authorization of this client refuses it.
      for (let i = 0; i < 100 && dev.connected; i++) {
        dev.publish('revoked-dev/x', 'after', { qos: 0 });
        await new Promise((r) => setTimeout(r, 100));
      }
      await gone;
      expect(b.log.recent({ clientId: 'revoked-dev', type: 'disconnected' }).at(-1)?.detail).toBe(
        'AUTH_ERROR',
      );
    });

    it('publishes presence once per connect and disconnect, and takes a client id over across nodes', async () => {
      const creds = await createThing(a, 'present');
      const obs = await connectClient(b, observer, 'presence-obs');
      const inbox = new Inbox(obs);
      await obs.subscribeAsync('$aws/events/presence/+/present', { qos: 1 });
      const first = await connectClient(a, creds, 'present');
      await inbox.wait('$aws/events/presence/connected/present');
      const second = await connectClient(b, creds, 'present');
      await closed(first, 20_000);
      await inbox.wait('$aws/events/presence/connected/present', 2);
      const [gone] = await inbox.wait('$aws/events/presence/disconnected/present');
      expect(gone).toMatchObject({ disconnectReason: 'DUPLICATE_CLIENTID' });
      expect(second.connected).toBe(true);
      await second.endAsync();
      await inbox.wait('$aws/events/presence/disconnected/present', 2);
      // A barrier through both nodes: anything published twice would be here by now.
      await obs.subscribeAsync('barrier', { qos: 1 });
      const viaA = await connectClient(a, observer, 'barrier-a');
      await viaA.publishAsync('barrier', '{}', { qos: 1 });
      await inbox.wait('barrier');
      expect(inbox.on('$aws/events/presence/connected/present')).toHaveLength(2);
      expect(inbox.on('$aws/events/presence/disconnected/present')).toHaveLength(2);
      await Promise.all([obs.endAsync(), viaA.endAsync()]);
    });
  },
);

describe.skipIf(skip !== undefined)(
  'job step timeouts in a cluster (shared VirtualClock)',
  { timeout: 90_000 },
  () => {
    let cluster: TestCluster;
    const clock = new VirtualClock(Date.now());

    beforeAll(async () => {
      cluster = await startCluster(['timer-a', 'timer-b'], { clock });
    }, 60_000);
    afterAll(() => cluster?.stop());

    it('times an execution out on node B after node A, which set the deadline, is gone', async () => {
      const [a, b] = cluster.nodes as [BrokerFixtures, BrokerFixtures];
      const d = await JobsDevice.connect(a, 'timer-dev');
      await createJob(a, 'slow', ['timer-dev'], { op: 'slow' });
      await d.waitFor('notify-next');
      const started = await d.request('slow/update', { status: 'IN_PROGRESS', stepTimeoutInMinutes: 2 });
      expect(started.topic).toMatch(/accepted$/);
      const obs = await connectClient(b, await createObserver(b, 'timer-obs'), 'timer-obs');
      const inbox = new Inbox(obs);
      await obs.subscribeAsync('$aws/things/timer-dev/jobs/notify', { qos: 1 });
      d.client.end(true);
      await a.close();
      // Node B learnt the deadline from A's write; advance past it until B's timer has fired.
      for (let i = 0; i < 40 && inbox.on('$aws/things/timer-dev/jobs/notify').length === 0; i++) {
        await clock.advance(60_000);
        await new Promise((r) => setTimeout(r, 100));
      }
      const [notify] = await inbox.wait('$aws/things/timer-dev/jobs/notify');
      expect(notify).toMatchObject({ jobs: {} });
      const view = await b.jobs.queries.describeExecution('timer-dev', 'slow');
      expect(view).toMatchObject({ execution: { status: 'TIMED_OUT' } });
      await obs.endAsync();
    });
  },
);
