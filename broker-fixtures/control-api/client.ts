import { readFile } from 'node:fs/promises';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { consoleFile, openBrokerState, type BrokerEndpoints } from '../stand-in.js';

export interface ConsoleReply {
  status: number;
  body: unknown;
}

/**
 * The control API client: the stand-in's console over HTTP when a broker is running on this state
 * directory (so devices get notified), otherwise in-process on the state files (the state directory
 * is then locked for the client's lifetime, like a broker's). The CLI and a fleet runner use it.
 */
export interface BrokerConsole {
  readonly running: boolean;
  call(method: string, url: string, body?: unknown): Promise<ConsoleReply>;
  /** Like {@link call}, but a non-2xx reply becomes a SimError with the console's code. */
  request<T>(method: string, url: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function runningBroker(stateDir: string): Promise<(BrokerEndpoints & { pid: number }) | undefined> {
  try {
    const info = JSON.parse(await readFile(consoleFile(stateDir), 'utf8')) as BrokerEndpoints & {
      pid: number;
    };
    return typeof info.pid === 'number' && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

function toError(reply: ConsoleReply): SimError {
  const body = (reply.body ?? {}) as { code?: unknown; message?: unknown };
  const known = Object.values(ErrorCode) as string[];
  const code =
    typeof body.code === 'string' && known.includes(body.code)
      ? (body.code as ErrorCode)
      : ErrorCode.INVALID_STATE;
  return new SimError(
    code,
    typeof body.message === 'string' ? body.message : `the console answered HTTP ${reply.status}`,
  );
}

/**
 * Opens the console of the stand-in on `stateDir`. Without a running broker the state is opened in
 * process, on `clock`, with `random` drawing the ids its services would.
 */
export async function openBrokerConsole(
  stateDir: string,
  env: { clock: Clock; random: Random },
): Promise<BrokerConsole> {
  const broker = await runningBroker(stateDir);
  const wrap = (
    running: boolean,
    call: BrokerConsole['call'],
    close: () => Promise<void>,
  ): BrokerConsole => ({
    running,
    call,
    async request<T>(method: string, url: string, body?: unknown): Promise<T> {
      const reply = await call(method, url, body);
      if (reply.status >= 300) throw toError(reply);
      return reply.body as T;
    },
    close,
  });
  if (broker) {
    return wrap(
      true,
      async (method, url, body) => {
        let res: Response;
        try {
          res = await fetch(broker.apiUrl + url, {
            method,
            headers: { 'content-type': 'application/json' },
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          });
        } catch (err) {
          throw new SimError(
            ErrorCode.BROKER_UNREACHABLE,
            `the broker console at ${broker.apiUrl} does not answer: ${(err as Error).message}`,
          );
        }
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
      },
      async () => {},
    );
  }
  const state = await openBrokerState({ stateDir, clock: env.clock, random: env.random });
  return wrap(
    false,
    (method, url, body) => state.console.dispatch({ method, url, body }),
    () => state.close(),
  );
}
