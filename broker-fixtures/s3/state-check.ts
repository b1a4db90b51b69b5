import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ErrorCode, SimError } from '../../core/errors.js';
import { tlsPaths } from './credentials.js';

async function read(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function corrupt(file: string, problem: string): SimError {
  return new SimError(ErrorCode.STATE_CORRUPT, `${file}: ${problem}`);
}

function parseJson(file: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw corrupt(file, `not valid JSON (${(err as Error).message})`);
  }
}

async function checkCredentials(dir: string): Promise<void> {
  const file = path.join(dir, 'credentials.json');
  const bytes = await read(file);
  if (!bytes) return;
  const value = parseJson(file, bytes) as { accessKeyId?: unknown; secretAccessKey?: unknown } | null;
  if (typeof value !== 'object' || value === null) throw corrupt(file, 'expected an object');
  if (typeof value.accessKeyId !== 'string' || value.accessKeyId === '')
    throw corrupt(file, 'accessKeyId: expected a string');
  if (typeof value.secretAccessKey !== 'string' || value.secretAccessKey === '')
    throw corrupt(file, 'secretAccessKey: expected a string');
}

/** `hosts.json` is written last: with it the set is complete; without it, a crash cut it short. */
async function checkTls(dir: string): Promise<void> {
  const p = tlsPaths(dir);
  const hosts = await read(p.hosts);
  if (!hosts) return;
  const list = parseJson(p.hosts, hosts);
  if (!Array.isArray(list) || !list.every((h) => typeof h === 'string'))
    throw corrupt(p.hosts, 'expected an array of host names');
  for (const [file, kind] of [
    [p.ca, 'certificate'],
    [p.cert, 'certificate'],
    [p.caKey, 'key'],
    [p.key, 'key'],
  ] as const) {
    const pem = await read(file);
    if (!pem) throw corrupt(file, 'missing (the other TLS files are there)');
    try {
      if (kind === 'certificate') new X509Certificate(pem);
      else createPrivateKey(pem);
    } catch (err) {
      throw corrupt(file, `not a PEM ${kind} (${(err as Error).message})`);
    }
  }
}

/** Reads the length-prefixed header only: objects can be large, and there can be many. */
async function readHeader(file: string): Promise<{ header: Buffer; total: number }> {
  const handle = await fs.open(file, 'r');
  try {
    const total = (await handle.stat()).size;
    if (total < 4) throw corrupt(file, 'truncated object (no header)');
    const prefix = Buffer.alloc(4);
    await handle.read(prefix, 0, 4, 0);
    const length = prefix.readUInt32LE(0);
    if (4 + length > total) throw corrupt(file, 'truncated object header');
    const header = Buffer.alloc(length);
    await handle.read(header, 0, length, 4);
    return { header, total };
  } finally {
    await handle.close();
  }
}

async function checkObject(bucket: string, file: string): Promise<void> {
  const { header, total } = await readHeader(file);
  const length = header.length;
  const bytes = { length: total };
  const info = parseJson(file, header) as Record<string, unknown> | null;
  if (typeof info !== 'object' || info === null) throw corrupt(file, 'the object header is not an object');
  if (info.bucket !== bucket) throw corrupt(file, `the header names bucket ${JSON.stringify(info.bucket)}`);
  if (typeof info.key !== 'string') throw corrupt(file, 'key: expected a string');
  const expected = `${createHash('sha256').update(info.key).digest('hex')}.obj`;
  if (path.basename(file) !== expected)
    throw corrupt(file, `holds key ${JSON.stringify(info.key)}, filed under another name`);
  if (info.size !== bytes.length - 4 - length)
    throw corrupt(
      file,
      `the header says ${String(info.size)} bytes, the file holds ${bytes.length - 4 - length}`,
    );
  if (typeof info.etag !== 'string' || !/^[0-9a-f]{32}$/.test(info.etag))
    throw corrupt(file, 'etag: expected an MD5 in hex');
  if (typeof info.contentType !== 'string') throw corrupt(file, 'contentType: expected a string');
  if (typeof info.lastModified !== 'number' || !Number.isFinite(info.lastModified))
    throw corrupt(file, 'lastModified: expected a number');
}

/**
 * Checks the S3 stand-in's files under `dir` (`<state>/s3`) before anything serves them: the access
 * key, the HTTPS certificate set, and the header of every object. A damaged one stops the start with
 * NRF91SIM_STATE_CORRUPT naming the file.
 */
export async function checkS3State(dir: string): Promise<void> {
  await checkCredentials(dir);
  await checkTls(dir);
  const buckets = path.join(dir, 'buckets');
  let names: string[];
  try {
    names = await fs.readdir(buckets);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const bucket of names) {
    const bucketDir = path.join(buckets, bucket);
    const entries = await fs.readdir(bucketDir).catch(() => [] as string[]);
    for (const name of entries)
      if (name.endsWith('.obj')) await checkObject(bucket, path.join(bucketDir, name));
  }
}
