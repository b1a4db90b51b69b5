import type { DeviceSockets } from '../../../modem/sockets/device-sockets.js';
import { slmError } from './slm-errors.js';

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
 * The SLM's sockets and which one is active. The SLM acts on the active socket (the newest, or the
 * one `AT#XSOCKETSELECT` picked); closing it makes the highest-ranked remaining socket active
 * (slm_at_socket.c).
 */
export class SlmSockets {
  readonly sockets = new Map<number, SlmSocket>();
  active: number | undefined;
  private ranking = 1;

  constructor(private readonly api: DeviceSockets) {}

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
    for (const fd of [...this.sockets.keys()]) if (!this.api.isOpen(fd)) this.remove(fd);
    const s = this.active === undefined ? undefined : this.sockets.get(this.active);
    if (!s) throw slmError('no socket open');
    return s;
  }

  /** Descriptors of the SLM's sockets that are still open. */
  open(): number[] {
    return [...this.sockets.keys()].filter((fd) => this.api.isOpen(fd));
  }

  /** slm_at_socket_uninit(): the SLM closes what it opened when it stops. */
  closeAll(): void {
    for (const fd of this.sockets.keys()) if (this.api.isOpen(fd)) this.api.close(fd);
    this.sockets.clear();
    this.active = undefined;
  }
}
