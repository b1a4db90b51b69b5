import { createHash } from 'node:crypto';
import { createReadStream, promises as fs, type ReadStream } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.js';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';

/** Metadata S3 keeps per object. */
export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** MD5 of the content in hex, as S3 computes single-part ETags (sent quoted). */
  etag: string;
  contentType: string;
  /** Epoch ms. */
  lastModified: number;
}

/** An object {@link ObjectStore.headObject} found; `content` when it is held in memory. */
export type FoundObject = ObjectInfo & { file: string; offset: number; content?: Buffer };

/** What tells a file from its replacement (objects are replaced by rename: a new inode). */
interface FileStamp {
  ino: number;
  size: number;
  mtimeMs: number;
}

function sameFile(a: FileStamp, b: FileStamp): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

interface CachedObject {
  info: ObjectInfo;
  offset: number;
  content: Buffer;
  stamp: FileStamp;
}

/** Objects up to this size are kept in memory once read, up to CACHE_BYTES in all. */
const CACHE_OBJECT_MAX = 16 * 1024 * 1024;
const CACHE_BYTES = 64 * 1024 * 1024;

// S3 bucket naming rules: 3-63 characters, lower-case letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return BUCKET.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * Buckets and objects on disk under `<state>/s3/buckets/<bucket>/`. Each object is one file named
 * after the SHA-256 of its key, holding a length-prefixed JSON header and the content, replaced
 * atomically: a reader sees the old object or the new one, never a mix.
 */
export class ObjectStore {
  /**
   * Recently read objects, by file, checked against the file's size and modification time on
   * every use: a firmware download asks for one 2 KB range per request, and a fleet asks for the
   * same image thousands of times. Least recently used first.
   */
  private readonly cache = new Map<string, CachedObject>();
  private cachedBytes = 0;

  constructor(
    readonly dir: string,
    private readonly clock: Clock,
  ) {}

  private bucketDir(bucket: string): string {
    return path.join(this.dir, 'buckets', bucket);
  }

  private objectFile(bucket: string, key: string): string {
    return path.join(this.bucketDir(bucket), `${createHash('sha256').update(key).digest('hex')}.obj`);
  }

  async bucketExists(bucket: string): Promise<boolean> {
    if (!isValidBucketName(bucket)) return false;
    try {
      return (await fs.stat(this.bucketDir(bucket))).isDirectory();
    } catch {
      return false;
    }
  }

  async createBucket(bucket: string): Promise<void> {
    if (!isValidBucketName(bucket)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `bucket name ${JSON.stringify(bucket)} breaks the S3 naming rules`,
      );
    }
    await fs.mkdir(this.bucketDir(bucket), { recursive: true });
  }

  async deleteBucket(bucket: string): Promise<'deleted' | 'not-empty' | 'missing'> {
    if (!(await this.bucketExists(bucket))) return 'missing';
    if ((await this.listObjects(bucket)).length > 0) return 'not-empty';
    await fs.rm(this.bucketDir(bucket), { recursive: true, force: true });
    return 'deleted';
  }

  async listBuckets(): Promise<string[]> {
    try {
      return (await fs.readdir(path.join(this.dir, 'buckets'))).filter(isValidBucketName).sort();
    } catch {
      return [];
    }
  }

  async putObject(
    bucket: string,
    key: string,
    data: Uint8Array,
    contentType = 'application/octet-stream',
  ): Promise<ObjectInfo> {
    if (!(await this.bucketExists(bucket)))
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `no bucket ${bucket}`);
    const info: ObjectInfo = {
      bucket,
      key,
      size: data.byteLength,
      etag: createHash('md5').update(data).digest('hex'),
      contentType,
      lastModified: Math.floor(this.clock.now() / 1000) * 1000,
    };
    const header = Buffer.from(JSON.stringify(info), 'utf8');
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(header.length);
    this.forget(this.objectFile(bucket, key));
    await writeFileAtomic(this.objectFile(bucket, key), Buffer.concat([prefix, header, data]));
    return info;
  }

  /** The object's metadata and where its content starts in the file, or undefined. */
  async headObject(bucket: string, key: string): Promise<FoundObject | undefined> {
    const file = this.objectFile(bucket, key);
    let stat: FileStamp;
    try {
      stat = await fs.stat(file);
    } catch {
      return undefined;
    }
    const cached = this.cache.get(file);
    if (cached && sameFile(cached.stamp, stat)) {
      this.cache.delete(file);
      this.cache.set(file, cached);
      return cached.info.key === key
        ? { ...cached.info, file, offset: cached.offset, content: cached.content }
        : undefined;
    }
    const found = await this.readHeader(file);
    if (!found || found.info.key !== key) return undefined;
    const offset = 4 + found.headerLength;
    const content =
      found.info.size <= CACHE_OBJECT_MAX ? await this.remember(file, stat, found.info, offset) : undefined;
    return { ...found.info, file, offset, ...(content ? { content } : {}) };
  }

  /** Streams bytes `start..end` (inclusive) of an object found by {@link headObject}. */
  openRange(found: { file: string; offset: number }, start: number, end: number): ReadStream {
    return createReadStream(found.file, { start: found.offset + start, end: found.offset + end });
  }

  private forget(file: string): void {
    const cached = this.cache.get(file);
    if (!cached) return;
    this.cache.delete(file);
    this.cachedBytes -= cached.content.length;
  }

  private async remember(
    file: string,
    stat: FileStamp,
    info: ObjectInfo,
    offset: number,
  ): Promise<Buffer | undefined> {
    let content: Buffer;
    try {
      content = (await fs.readFile(file)).subarray(offset);
    } catch {
      return undefined;
    }
    if (content.length !== info.size) return undefined; // replaced while being read
    const old = this.cache.get(file);
    if (old) this.cachedBytes -= old.content.length;
    this.cache.set(file, {
      info,
      offset,
      content,
      stamp: { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs },
    });
    this.cachedBytes += content.length;
    for (const [f, entry] of this.cache) {
      if (this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(f);
      this.cachedBytes -= entry.content.length;
    }
    return content;
  }

  async getObject(bucket: string, key: string): Promise<Buffer | undefined> {
    const found = await this.headObject(bucket, key);
    if (!found) return undefined;
    const all = await fs.readFile(found.file);
    return all.subarray(found.offset);
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const file = this.objectFile(bucket, key);
    this.forget(file);
    await fs.rm(file, { force: true });
  }

  async listObjects(bucket: string, prefix = ''): Promise<ObjectInfo[]> {
    let names: string[];
    try {
      names = (await fs.readdir(this.bucketDir(bucket))).filter((n) => n.endsWith('.obj'));
    } catch {
      return [];
    }
    const infos: ObjectInfo[] = [];
    for (const name of names) {
      const found = await this.readHeader(path.join(this.bucketDir(bucket), name));
      if (found && found.info.key.startsWith(prefix)) infos.push(found.info);
    }
    return infos.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async readHeader(file: string): Promise<{ info: ObjectInfo; headerLength: number } | undefined> {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(file, 'r');
      const prefix = Buffer.alloc(4);
      await handle.read(prefix, 0, 4, 0);
      const header = Buffer.alloc(prefix.readUInt32LE(0));
      await handle.read(header, 0, header.length, 4);
      return { info: JSON.parse(header.toString('utf8')) as ObjectInfo, headerLength: header.length };
    } catch {
      return undefined;
    } finally {
      await handle?.close();
    }
  }
}
