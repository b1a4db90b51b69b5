import { Redis, type RedisOptions } from 'ioredis';
import { ErrorCode, SimError } from '../../core/errors.js';

/**
 * Where a cluster's Redis is: `redis://[user:password@]HOST:PORT[/db]`, `rediss://…` for TLS, or
 * `unix:///path/to/redis.sock[?db=N]`. Parsed once here so the state store, aedes' emitter and
 * aedes' persistence all connect to the same place the same way.
 */
export interface RedisLocation {
  /** The URL as given, without its password, for messages. */
  display: string;
  options: RedisOptions;
}

export function parseRedisUrl(url: string): RedisLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl(url, 'not a URL');
  }
  const db = (text: string | null): number => {
    if (text === null || text === '') return 0;
    if (!/^\d{1,2}$/.test(text)) throw badUrl(url, `database ${JSON.stringify(text)} is not a number 0-99`);
    return Number(text);
  };
  const auth: RedisOptions = {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
  if (parsed.password) parsed.password = '***';
  const display = parsed.toString();
  if (parsed.protocol === 'unix:') {
    if (!parsed.pathname || parsed.pathname === '/') throw badUrl(url, 'no socket path');
    return { display, options: { ...auth, path: parsed.pathname, db: db(parsed.searchParams.get('db')) } };
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw badUrl(url, 'use redis://HOST:PORT[/db], rediss://… or unix:///path/to/redis.sock');
  }
  if (!parsed.hostname) throw badUrl(url, 'no host');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  return {
    display,
    options: {
      ...auth,
      host: parsed.hostname.replace(/^\[|\]$/g, ''),
      port,
      db: db(parsed.pathname.replace(/^\//, '')),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

function badUrl(url: string, problem: string): SimError {
  return new SimError(ErrorCode.INVALID_ARGUMENT, `--cluster ${JSON.stringify(url)}: ${problem}`);
}

/**
 * A connected ioredis client, or STATE_UNREACHABLE when Redis does not answer. Commands issued
 * while a later reconnect is under way wait for it (ioredis' offline queue).
 */
export async function connectRedis(location: RedisLocation, name: string): Promise<Redis> {
  const redis = new Redis({ ...location.options, lazyConnect: true, connectionName: name });
  // Errors after the first connect are reported by the commands that meet them.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new SimError(
      ErrorCode.STATE_UNREACHABLE,
      `cannot reach Redis at ${location.display}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return redis;
}
