import { Random } from '../../core/random.js';
import { systemClock } from '../../core/clock.js';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSimError } from '../../core/errors.js';
import { FileStore, openBrokerState, S3Server } from '../../broker-fixtures/index.js';
import { journalHeader } from '../../broker-fixtures/store/journal.js';
import { runCli } from '../helpers/cli.js';
import { createThing, startStandIn } from './broker-helpers.js';
import { createJob } from './jobs-helpers.js';

/**
 * Every state file is checked at start: each corruption below stops the broker with
 * NRF91SIM_STATE_CORRUPT, naming the file and what is wrong, and leaves every file as it was.
 */

const work: string[] = [];
afterAll(async () => {
  for (const d of work) await fs.rm(d, { recursive: true, force: true });
});

/** A state directory as a broker leaves it: things, a shadow, a job, a group, an S3 object. */
let journalState: string;
/** The same records folded into `state.json`, the journal holding one more record after it. */
let snapshotState: string;
let thingCertificate: string;

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) await walk(f);
      else {
        const st = await fs.stat(f);
        out[path.relative(dir, f)] = `${st.mode.toString(8)} ${createHash('sha256')
          .update(await fs.readFile(f))
          .digest('hex')}`;
      }
    }
  };
  await walk(dir);
  return out;
}

async function copyOf(from: string): Promise<string> {
  const to = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-corrupt-'));
  work.push(to);
  await fs.cp(from, to, { recursive: true });
  return to;
}

type Records = Record<string, Record<string, Record<string, unknown>>>;

async function editSnapshot(dir: string, edit: (c: Records) => void): Promise<void> {
  const file = path.join(dir, 'broker', 'state.json');
  const doc = JSON.parse(await fs.readFile(file, 'utf8')) as { collections: Records };
  edit(doc.collections);
  await fs.writeFile(file, JSON.stringify(doc));
}

async function editJournal(dir: string, edit: (lines: string[]) => string[]): Promise<void> {
  const file = path.join(dir, 'broker', 'journal.log');
  const lines = (await fs.readFile(file, 'utf8')).split('\n').slice(0, -1);
  await fs.writeFile(file, `${edit(lines).join('\n')}\n`);
}

beforeAll(async () => {
  const s = await startStandIn();
  const creds = await createThing(s.fixtures, 'thing-1');
  thingCertificate = creds.certificateId;
  await createThing(s.fixtures, 'thing-2');
  await s.fixtures.registry.createThingGroup('group-1');
  await s.fixtures.registry.addThingToThingGroup('group-1', 'thing-1');
  await createJob(s.fixtures, 'job-1', ['thing-1']);
  await s.fixtures.shadows.handle({ thingName: 'thing-1' }, 'update', '{"state":{"reported":{"a":1}}}');
  await s.stop(true);
  const s3 = await S3Server.start({
    clock: systemClock,
    random: new Random('s3'),
    stateDir: s.stateDir,
    httpPort: null,
  });
  await s3.store.createBucket('firmware');
  await s3.store.putObject('firmware', 'app.bin', Buffer.alloc(100, 7));
  await s3.close();
  journalState = s.stateDir;
  work.push(journalState);

  snapshotState = await copyOf(journalState);
  const store = await FileStore.open({ dir: path.join(snapshotState, 'broker') });
  const collections: Records = {};
  for (const name of [
    'things',
    'certificates',
    'policies',
    'shadows',
    'thing-groups',
    'jobs',
    'job-executions',
  ] as const)
    collections[name] = Object.fromEntries(await store.list(name)) as Record<string, Record<string, unknown>>;
  await store.close();
  await fs.writeFile(
    path.join(snapshotState, 'broker', 'state.json'),
    JSON.stringify({ format: 'nrf91sim-broker-state', version: 1, sequence: 100, collections }),
  );
  await fs.writeFile(path.join(snapshotState, 'broker', 'journal.log'), journalHeader());
});

const framed = (json: string): string => `${crc32(json).toString(16).padStart(8, '0')} ${json}`;
const cert = (c: Records): Record<string, unknown> => c.certificates![thingCertificate]!;

interface Case {
  name: string;
  base: () => string | Promise<string>;
  corrupt: (dir: string) => Promise<void>;
  /** The file named in the message, and a fragment of what is said to be wrong. */
  file: string;
  says: string;
}

const snapshot = (name: string, edit: (c: Records) => void, says: string): Case => ({
  name,
  base: () => snapshotState,
  corrupt: (dir) => editSnapshot(dir, edit),
  file: 'state.json',
  says,
});
const text = (
  name: string,
  relative: string,
  change: (t: string) => string,
  says: string,
  base: () => string | Promise<string> = () => journalState,
): Case => ({
  name,
  base,
  corrupt: async (dir) => {
    const file = path.join(dir, relative);
    await fs.writeFile(file, change(await fs.readFile(file, 'utf8')));
  },
  file: path.basename(relative),
  says,
});

const CASES: Case[] = [
  text(
    'truncated state.json',
    'broker/state.json',
    (t) => t.slice(0, t.length / 2),
    'not valid JSON',
    () => snapshotState,
  ),
  text(
    'state.json holding an array',
    'broker/state.json',
    () => '[]',
    'not an nrf91sim broker state file',
    () => snapshotState,
  ),
  text(
    'state.json of an unknown version',
    'broker/state.json',
    (t) => t.replace('"version":1', '"version":2'),
    'unknown state version 2',
    () => snapshotState,
  ),
  text(
    'state.json with a bad sequence',
    'broker/state.json',
    (t) => t.replace('"sequence":100', '"sequence":"x"'),
    'sequence',
    () => snapshotState,
  ),
  snapshot(
    'a collection that is an array',
    (c) => void ((c as Record<string, unknown>).things = []),
    'collections.things',
  ),
  snapshot('an unknown collection', (c) => void (c.gadgets = {}), 'unknown collection "gadgets"'),
  snapshot(
    'a thing record that is null',
    (c) => void ((c.things as Record<string, unknown>)['thing-2'] = null),
    'expected an object',
  ),
  snapshot(
    'principals of the wrong type',
    (c) => void (c.things!['thing-1']!.principals = 'abc'),
    'principals: expected an array',
  ),
  snapshot(
    'a thing filed under another name',
    (c) => void (c.things!['thing-2']!.thingName = 'thing-3'),
    'filed under',
  ),
  snapshot(
    'a certificate PEM that is not one',
    (c) => void (cert(c).certificatePem = 'garbage'),
    'certificatePem: not a PEM',
  ),
  snapshot(
    'a certificate under the id of another',
    (c) => {
      const other = Object.values(c.certificates!).find((x) => x.certificateId !== thingCertificate)!;
      cert(c).certificatePem = other.certificatePem;
    },
    'is the certificate',
  ),
  snapshot(
    'a certificate status AWS does not have',
    (c) => void (cert(c).status = 'HAPPY'),
    'status: expected one of',
  ),
  snapshot(
    'a policy document that does not parse',
    (c) => {
      for (const p of Object.values(c.policies!)) p.policyDocument = '{"Statement":';
    },
    'policyDocument',
  ),
  snapshot(
    'a shadow version that is text',
    (c) => void (c.shadows!['thing-1']!.version = '3'),
    'version: expected a whole number',
  ),
  snapshot(
    'a shadow under a key no thing can have',
    (c) => void (c.shadows!['a/b/c'] = c.shadows!['thing-1']!),
    'not a shadow key',
  ),
  snapshot(
    'a retained message of QoS 2',
    (c) => void (c.retained = { 'a/b': { payload: 'AA==', qos: 2 } }),
    'qos: expected 0 or 1',
  ),
  snapshot(
    'a job status AWS does not have',
    (c) => void (c.jobs!['job-1']!.status = 'WHATEVER'),
    'status: expected one of',
  ),
  snapshot(
    'a job document that is not JSON',
    (c) => void (c.jobs!['job-1']!.document = '{"op":'),
    'document: not valid JSON',
  ),
  snapshot(
    'an execution filed under another thing',
    (c) => void (c['job-executions']!['thing-2'] = c['job-executions']!['thing-1']!),
    'filed under thing-2',
  ),
  snapshot(
    'a template body that is not JSON',
    (c) =>
      void (c.templates = { t: { templateName: 't', templateBody: '{', enabled: true, creationDate: 1 } }),
    'templateBody',
  ),
  snapshot(
    'a thing attached to a certificate that does not exist',
    (c) => void delete c.certificates![thingCertificate],
    'which does not exist',
  ),
  snapshot(
    'a certificate attached to a policy that does not exist',
    (c) => void (c.policies = {}),
    'attached to policy',
  ),
  snapshot(
    'a group listing a thing that does not exist',
    (c) => void delete c.things!['thing-1'],
    'which does not exist',
  ),
  snapshot('an execution of a job that does not exist', (c) => void (c.jobs = {}), 'execution of job job-1'),
  text(
    'a journal without its header',
    'broker/journal.log',
    (t) => t.split('\n').slice(1).join('\n'),
    'line 1',
  ),
  text(
    'a journal of an unknown version',
    'broker/journal.log',
    (t) => [framed('{"format":"nrf91sim-broker-journal","version":9}'), ...t.split('\n').slice(1)].join('\n'),
    'unknown journal version 9',
  ),
  {
    name: 'a damaged record in the middle of the journal',
    base: () => journalState,
    corrupt: (dir) =>
      editJournal(dir, (lines) => lines.map((l, i) => (i === 2 ? l.replace('"thing-', '"thinG-') : l))),
    file: 'journal.log',
    says: 'line 3: checksum mismatch',
  },
  {
    name: 'a damaged last record (complete, so it was acknowledged)',
    base: () => journalState,
    corrupt: (dir) =>
      editJournal(dir, (lines) => lines.map((l, i) => (i === lines.length - 1 ? l.replace('"', "'") : l))),
    file: 'journal.log',
    says: 'checksum mismatch',
  },
  {
    name: 'a journal missing a record',
    base: () => journalState,
    corrupt: (dir) => editJournal(dir, (lines) => lines.filter((_, i) => i !== 2)),
    file: 'journal.log',
    says: 'records are missing',
  },
  {
    name: 'a journal line that is not one',
    base: () => journalState,
    corrupt: (dir) => editJournal(dir, (lines) => [...lines.slice(0, 2), 'hello', ...lines.slice(2)]),
    file: 'journal.log',
    says: 'line 3: not a journal line',
  },
  text(
    'a legacy collection file cut short',
    'broker/things.json',
    () => '{"a": {"thingName":',
    'not valid JSON',
    async () => {
      const dir = await copyOf(journalState);
      await fs.rm(path.join(dir, 'broker', 'journal.log'));
      await fs.writeFile(path.join(dir, 'broker', 'things.json'), '{}');
      return dir;
    },
  ),
  {
    name: 'the CA key missing beside its certificate',
    base: () => journalState,
    corrupt: (dir) => fs.rm(path.join(dir, 'broker', 'ca', 'ca.key')),
    file: 'ca.key',
    says: 'missing',
  },
  text('a CA certificate that is not one', 'broker/ca/ca.crt', () => 'garbage', 'not a PEM certificate'),
  text(
    'a CA key of another CA',
    'broker/ca/ca.key',
    () =>
      generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    'not the key of ca.crt',
  ),
  text('S3 credentials cut short', 's3/credentials.json', (t) => t.slice(0, 10), 'not valid JSON'),
  text(
    'S3 credentials without a secret',
    's3/credentials.json',
    () => '{"accessKeyId":"AKIA"}',
    'secretAccessKey',
  ),
  {
    name: 'an S3 object whose header is cut',
    base: () => journalState,
    corrupt: async (dir) => {
      const bucket = path.join(dir, 's3', 'buckets', 'firmware');
      const [name] = await fs.readdir(bucket);
      await fs.writeFile(path.join(bucket, name!), Buffer.from([200, 0, 0, 0, 123]));
    },
    file: '.obj',
    says: 'truncated object header',
  },
  {
    name: 'an S3 object shorter than its header says',
    base: () => journalState,
    corrupt: async (dir) => {
      const bucket = path.join(dir, 's3', 'buckets', 'firmware');
      const [name] = await fs.readdir(bucket);
      const file = path.join(bucket, name!);
      await fs.truncate(file, (await fs.stat(file)).size - 10);
    },
    file: '.obj',
    says: 'the header says 100 bytes',
  },
  {
    name: 'an S3 TLS set missing its server key',
    base: () => journalState,
    corrupt: (dir) => fs.rm(path.join(dir, 's3', 'tls', 'server-key.pem')),
    file: 'server-key.pem',
    says: 'missing',
  },
];

describe('a corrupt state file stops the broker, names the file, and changes nothing', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const base = await c.base();
    const dir = await copyOf(base);
    await c.corrupt(dir);
    const before = await tree(dir);
    const err = await openBrokerState({
      clock: systemClock,
      random: new Random('broker'),
      stateDir: dir,
    }).then(
      (state) => state.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(isSimError(err, 'NRF91SIM_STATE_CORRUPT'), String(err)).toBe(true);
    expect((err as Error).message).toContain(c.file);
    expect((err as Error).message).toContain(c.says);
    expect(await tree(dir)).toEqual(before);
  });

  it('opens both fixtures as they are (the cases above fail for their corruption alone)', async () => {
    for (const base of [journalState, snapshotState]) {
      const state = await openBrokerState({
        clock: systemClock,
        random: new Random('broker'),
        stateDir: await copyOf(base),
      });
      expect((await state.registry.listThings()).map((t) => t.thingName)).toEqual(['thing-1', 'thing-2']);
      await state.close();
    }
  });

  it('nrf91sim broker prints the error, not ready, and exits 1', async () => {
    const dir = await copyOf(journalState);
    await fs.writeFile(path.join(dir, 'broker', 'ca', 'ca.crt'), 'garbage');
    const r = await runCli([
      'broker',
      '--state',
      dir,
      '--port',
      '0',
      '--alpn-port',
      '0',
      '--api-port',
      '0',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('"ready"');
    expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({
      event: 'error',
      code: 'NRF91SIM_STATE_CORRUPT',
    });
  });
});
