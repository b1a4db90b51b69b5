import { readFile } from 'node:fs/promises';
import { ErrorCode, SimError } from '../../../core/errors.js';
import type { Clock } from '../../../core/clock.js';
import type { Random } from '../../../core/random.js';
import { consoleFile, openBrokerState, type BrokerEndpoints } from '../../stand-in.js';

export interface NrfCloudReply {
  status: number;
  body: unknown;
}

/**
 * The local nRF Cloud's REST API for the CLI and scripts: over HTTP with the team's key when a
 * broker runs on the state directory (devices are then told of changes), otherwise in-process on
 * the state files (the directory is locked meanwhile, as by a broker).
 */
export interface NrfCloudApi {
  readonly running: boolean;
  call(method: string, path: string, body?: unknown): Promise<NrfCloudReply>;
  /** Like {@link call}; a reply of 300 or more becomes a SimError carrying nRF Cloud's message. */
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
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

async function running(stateDir: string): Promise<BrokerEndpoints | undefined> {
  try {
    const info = JSON.parse(await readFile(consoleFile(stateDir), 'utf8')) as BrokerEndpoints & {
      pid: number;
    };
    return typeof info.pid === 'number' && alive(info.pid) && info.nrfCloud ? info : undefined;
  } catch {
    return undefined;
  }
}

const CODE_OF: Record<number, ErrorCode> = {
  400: ErrorCode.INVALID_ARGUMENT,
  404: ErrorCode.NOT_FOUND,
  409: ErrorCode.ALREADY_EXISTS,
  412: ErrorCode.INVALID_STATE,
};

function encode(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  return Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
}

export async function openNrfCloudApi(
  stateDir: string,
  env: { clock: Clock; random: Random },
): Promise<NrfCloudApi> {
  const broker = await running(stateDir);
  let call: NrfCloudApi['call'];
  let close = async (): Promise<void> => {};
  if (broker?.nrfCloud) {
    const { apiUrl, apiKey } = broker.nrfCloud;
    call = async (method, path, body) => {
      let res: Response;
      const payload = encode(body);
      try {
        res = await fetch(apiUrl + path, {
          method,
          headers: {
            authorization: `Bearer ${apiKey}`,
            'content-type': Buffer.isBuffer(body) ? 'application/zip' : 'application/json',
          },
          ...(payload ? { body: payload } : {}),
        });
      } catch (err) {
        throw new SimError(
          ErrorCode.BROKER_UNREACHABLE,
          `the nRF Cloud API at ${apiUrl} does not answer: ${(err as Error).message}`,
        );
      }
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    };
  } else {
    const state = await openBrokerState({ stateDir, clock: env.clock, random: env.random, nrfCloud: {} });
    const nrf = state.nrfCloud!;
    call = async (method, path, body) => {
      const payload = encode(body);
      const reply = await nrf.api.dispatch({
        method,
        url: path,
        headers: { authorization: `Bearer ${nrf.account.apiKey}` },
        ...(payload ? { body: payload } : {}),
      });
      return { status: reply.status, body: reply.body };
    };
    close = () => state.close();
  }
  return {
    running: broker !== undefined,
    call,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const reply = await call(method, path, body);
      if (reply.status >= 300) {
        const b = (reply.body ?? {}) as { message?: unknown; code?: unknown };
        throw new SimError(
          CODE_OF[reply.status] ?? ErrorCode.INVALID_STATE,
          `nRF Cloud answered ${reply.status}${typeof b.code === 'number' ? ` (${b.code})` : ''}: ${typeof b.message === 'string' ? b.message : 'no message'}`,
        );
      }
      return reply.body as T;
    },
    close,
  };
}
