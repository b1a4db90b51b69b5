import type { Redis } from 'ioredis';
import { ErrorCode, SimError } from '../../core/errors.js';
import { checkChanges, checkExpectations, refusedCommit } from './memory-store.js';
import { connectRedis, type RedisLocation } from './redis-connection.js';
import {
  isCollection,
  type Collection,
  type ConditionalCommit,
  type ExternalChange,
  type StateChange,
  type StateExpectation,
  type StateStore,
} from './store.js';

export interface RedisStoreOptions {
  location: RedisLocation;
  /** Names this writer in change notices, so it can skip its own (the broker's node id). */
  writer: string;
  /** Prefix of every key and channel (default `nrf91sim`), so several stand-ins can share one Redis. */
  prefix?: string;
}

/*
 * Layout, per collection C: `<prefix>:state:C`, a hash of key → JSON text; `<prefix>:order:C`, a
 * sorted set of the keys scored by a counter taken when the key was first written, so `list` keeps
 * insertion order; `<prefix>:changes`, the channel a commit announces its keys on.
 *
 * One script does every write: it checks the expectations (HGET against the JSON text the caller
 * read) and applies the changes, atomically because Redis runs a script alone. So a shadow version
 * or a job execution number is checked and bumped in Redis, never read-modified-written in Node.
 */
const COMMIT_SCRIPT = `
local p = ARGV[1]
local notice = ARGV[2]
local n = tonumber(ARGV[3])
local i = 4
for _ = 1, n do
  local current = redis.call('HGET', p .. ':state:' .. ARGV[i], ARGV[i + 1])
  if ARGV[i + 2] == '1' then
    if current ~= ARGV[i + 3] then return 0 end
  elseif current then
    return 0
  end
  i = i + 4
end
while i <= #ARGV do
  local state = p .. ':state:' .. ARGV[i + 1]
  local order = p .. ':order:' .. ARGV[i + 1]
  if ARGV[i] == 'put' then
    if redis.call('HSET', state, ARGV[i + 2], ARGV[i + 3]) == 1 then
      redis.call('ZADD', order, redis.call('INCR', p .. ':insertions'), ARGV[i + 2])
    end
  else
    redis.call('HDEL', state, ARGV[i + 2])
    redis.call('ZREM', order, ARGV[i + 2])
  end
  i = i + 4
end
if notice ~= '' then redis.call('PUBLISH', p .. ':changes', notice) end
return 1
`;

const LIST_SCRIPT = `
local out = {}
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local value = redis.call('HGET', KEYS[2], key)
  if value then
    out[#out + 1] = key
    out[#out + 1] = value
  end
end
return out
`;

interface ScriptedRedis extends Redis {
  nrf91simCommit(...args: string[]): Promise<number>;
  nrf91simList(order: string, state: string): Promise<string[]>;
}

/**
 * The shared {@link StateStore} of a broker cluster: every node reads and writes the same Redis,
 * so the registry, shadows and jobs are one state whichever node a device or the console talks to.
 * Reads and writes go over one connection, in order, so a read issued after a commit sees it (the
 * store's visibility rule) and commits are acknowledged in call order. A commit is durable once
 * Redis has applied it: Redis' own persistence (AOF with `appendfsync always` for a power cut)
 * decides what survives a Redis restart.
 */
export class RedisStore implements StateStore {
  readonly location: string;
  private readonly prefix: string;
  private closed = false;
  private failure: SimError | undefined;
  private last: Promise<unknown> = Promise.resolve();
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(changes: readonly ExternalChange[]) => void>();

  private constructor(
    private readonly redis: ScriptedRedis,
    private readonly options: RedisStoreOptions,
  ) {
    this.prefix = options.prefix ?? 'nrf91sim';
    this.location = `${options.location.display} (keys ${this.prefix}:*)`;
  }

  /** Connects; STATE_UNREACHABLE when Redis does not answer. */
  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const redis = await connectRedis(options.location, `nrf91sim-state-${options.writer}`);
    redis.defineCommand('nrf91simCommit', { numberOfKeys: 0, lua: COMMIT_SCRIPT });
    redis.defineCommand('nrf91simList', { numberOfKeys: 2, lua: LIST_SCRIPT });
    return new RedisStore(redis as ScriptedRedis, options);
  }

  private key(kind: 'state' | 'order', collection: Collection): string {
    return `${this.prefix}:${kind}:${collection}`;
  }

  private readable(collection: Collection): void {
    if (this.closed) throw new SimError(ErrorCode.INVALID_STATE, 'the broker state store is closed');
    if (!isCollection(collection)) {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `unknown state collection ${String(collection)}`);
    }
  }

  async get<T>(collection: Collection, key: string): Promise<T | undefined> {
    this.readable(collection);
    const text = await this.redis.hget(this.key('state', collection), key).catch((err: Error) => {
      throw this.unreachable(err);
    });
    return text === null ? undefined : this.parse<T>(collection, key, text);
  }

  async list<T>(collection: Collection): Promise<Array<[string, T]>> {
    this.readable(collection);
    const flat = await this.redis
      .nrf91simList(this.key('order', collection), this.key('state', collection))
      .catch((err: Error) => {
        throw this.unreachable(err);
      });
    const out: Array<[string, T]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      out.push([flat[i]!, this.parse<T>(collection, flat[i]!, flat[i + 1]!)]);
    }
    return out;
  }

  commit(changes: readonly StateChange[]): Promise<void> {
    const { applied, durable } = this.commitIf([], changes);
    const done = applied.then(() => durable);
    // flush() settles after the caller's own reactions to this commit.
    this.last = done.catch(() => undefined);
    return done;
  }

  commitIf(expect: readonly StateExpectation[], changes: readonly StateChange[]): ConditionalCommit {
    let args: string[];
    try {
      if (this.closed) throw new SimError(ErrorCode.INVALID_STATE, 'the broker state store is closed');
      if (this.failure) throw this.failure;
      checkExpectations(expect);
      checkChanges(changes);
      args = this.scriptArgs(expect, changes);
    } catch (err) {
      return refusedCommit(err);
    }
    const applied = this.redis.nrf91simCommit(...args).then(
      (result) => result === 1,
      (err: Error) => {
        this.failure ??= new SimError(
          ErrorCode.STATE_UNREACHABLE,
          `cannot write the broker state to ${this.options.location.display}: ${err.message}; nothing more is accepted until the broker is restarted`,
          { cause: err },
        );
        throw this.failure;
      },
    );
    this.last = applied.catch(() => undefined);
    const durable = applied.then(() => undefined);
    durable.catch(() => undefined);
    return { applied, durable };
  }

  private scriptArgs(expect: readonly StateExpectation[], changes: readonly StateChange[]): string[] {
    const json = (collection: string, key: string, value: unknown): string => {
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (err) {
        throw new SimError(
          ErrorCode.INVALID_ARGUMENT,
          `cannot store ${collection}/${key}: ${(err as Error).message}`,
        );
      }
      if (text === undefined) {
        throw new SimError(ErrorCode.INVALID_ARGUMENT, `${collection}/${key}: not a JSON value`);
      }
      return text;
    };
    // Other nodes may be watching: every commit announces its keys.
    const notice = JSON.stringify({ w: this.options.writer, c: changes.map((c) => [c.collection, c.key]) });
    const args = [this.prefix, notice, String(expect.length)];
    for (const e of expect) {
      if (e.value === undefined) args.push(e.collection, e.key, '0', '');
      else args.push(e.collection, e.key, '1', json(e.collection, e.key, e.value));
    }
    for (const c of changes) {
      if ('deleted' in c) args.push('del', c.collection, c.key, '');
      else args.push('put', c.collection, c.key, json(c.collection, c.key, c.value));
    }
    return args;
  }

  put<T>(collection: Collection, key: string, value: T): Promise<void> {
    return this.commit([{ collection, key, value }]);
  }

  async delete(collection: Collection, key: string): Promise<boolean> {
    this.readable(collection);
    // Asked just before the delete on the same connection, so no commit of this store comes
    // between them; the delete itself is queued in this same turn, as the visibility rule needs.
    const existed = this.redis.hexists(this.key('state', collection), key).catch(() => 0);
    await this.commit([{ collection, key, deleted: true }]);
    return (await existed) === 1;
  }

  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return this.last.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  watch(listener: (changes: readonly ExternalChange[]) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscriber) this.subscribe();
    return () => this.listeners.delete(listener);
  }

  private subscribe(): void {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, text: string) => {
      let notice: { w?: unknown; c?: unknown };
      try {
        notice = JSON.parse(text) as typeof notice;
      } catch {
        return;
      }
      if (notice.w === this.options.writer || !Array.isArray(notice.c)) return;
      const changes: ExternalChange[] = [];
      for (const entry of notice.c as unknown[]) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') continue;
        if (isCollection(entry[0])) changes.push({ collection: entry[0], key: entry[1] });
      }
      if (changes.length) for (const l of this.listeners) l(changes);
    });
    void subscriber.subscribe(`${this.prefix}:changes`).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.last;
    this.closed = true;
    this.listeners.clear();
    await Promise.all([
      this.redis.quit().catch(() => this.redis.disconnect()),
      this.subscriber?.quit().catch(() => this.subscriber?.disconnect()),
    ]);
  }

  /** Values are written by this store as JSON; anything else was put there by someone else. */
  private parse<T>(collection: Collection, key: string, text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new SimError(
        ErrorCode.STATE_CORRUPT,
        `${this.location}: ${collection}[${JSON.stringify(key)}] is not JSON (${text.slice(0, 40)})`,
      );
    }
  }

  private unreachable(err: Error): SimError {
    return new SimError(
      ErrorCode.STATE_UNREACHABLE,
      `cannot read the broker state from ${this.options.location.display}: ${err.message}`,
      { cause: err },
    );
  }
}
