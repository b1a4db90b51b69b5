import type { SlmModem as Modem } from './slm-host.js';
import { AtError } from '../errors.js';
import { DnsError } from '../../sockets/dns.js';
import { errnoName, isSocketError } from '../../sockets/errno.js';

/** One socket the Serial LTE Modem opened (`AT#XSOCKET` / `AT#XSSOCKET`). */
export interface SlmSocket {
  fd: number;
  /** 1 IPv4, 2 IPv6 (the AF_* values). */
  family: number;
  /** 0 client, 1 server. */
  role: number;
  /** 1 SOCK_STREAM, 2 SOCK_DGRAM. */
  type: number;
  /** -1 for a socket without TLS. */
  secTag: number;
  ranking: number;
  cid: number;
}

/**
 * The SLM application's state on one modem: its sockets and which one is active. The SLM acts on
 * the active socket (the newest, or the one `AT#XSOCKETSELECT` picked); closing it makes the
 * highest-ranked remaining socket active (slm_at_socket.c).
 */
export class SlmState {
  readonly sockets = new Map<number, SlmSocket>();
  active: number | undefined;
  private ranking = 1;

  constructor(readonly modem: Modem) {}

  add(socket: Omit<SlmSocket, 'ranking'>): SlmSocket {
    const s = { ...socket, ranking: this.ranking++ };
    this.sockets.set(s.fd, s);
    this.active = s.fd;
    return s;
  }

  remove(fd: number): void {
    this.sockets.delete(fd);
    if (this.active !== fd) return;
    let best: SlmSocket | undefined;
    for (const s of this.sockets.values()) if (!best || s.ranking > best.ranking) best = s;
    this.active = best?.fd;
  }

  /** The active socket, dropping entries whose descriptor is gone; ERROR when there is none. */
  current(): SlmSocket {
    for (const fd of [...this.sockets.keys()]) if (!this.modem.sockets.isOpen(fd)) this.remove(fd);
    const s = this.active === undefined ? undefined : this.sockets.get(this.active);
    if (!s) throw slmError('no socket open');
    return s;
  }
}

const states = new WeakMap<Modem, SlmState>();

export function slmState(modem: Modem): SlmState {
  let s = states.get(modem);
  if (!s) {
    s = new SlmState(modem);
    states.set(modem, s);
  }
  return s;
}

/** SLM handlers answer every failure with a plain `ERROR`, whatever `+CMEE` says. */
export function slmError(detail: string, lines?: readonly string[]): AtError {
  const err = new AtError(undefined, detail);
  if (lines) err.lines = lines;
  return err;
}

/** Runs a socket call; a SocketError (or DnsError) becomes the SLM's plain ERROR. */
export async function slmCall<T>(what: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isSocketError(err)) throw slmError(`${what}: ${errnoName(err.errno)}`);
    if (err instanceof DnsError) throw slmError(`${what}: ${err.message}`);
    throw err;
  }
}

/** SLM payloads in AT parameters are at most 1024 bytes (SLM_MAX_PAYLOAD_SIZE). */
export const SLM_MAX_PAYLOAD = 1024;
/** Host names in SLM commands are at most 128 bytes (SLM_MAX_URL). */
export const SLM_MAX_URL = 128;
