import { AF_INET, IPPROTO_TCP, IPPROTO_TLS_1_2, SOCK_STREAM } from '../../modem/sockets/constants.js';
import { applyTlsSocketOptions, type TlsSocketOptions } from '../../modem/sockets/tls-socket-options.js';
import type { AgentModem } from './agent-types.js';

/** Where `prvSetupConnection` connects, already decided from the connect parameters' flags. */
export interface AgentTarget {
  host: string;
  port: number;
  /**
   * Over the modem's TLS (mqttagentREQUIRE_TLS): the sec tags, SNI and the name check unless the
   * URL is an address (mqttagentURL_IS_IP_ADDRESS), ALPN for SOCKETS_SO_ALPN_PROTOCOLS.
   */
  tls?: TlsSocketOptions;
}

/** How the connection ended: `error` is the socket or resolver failure, undefined for end of stream. */
export type ConnectionEnd = (error: unknown) => void;

/**
 * The agent's socket to its broker (the secure socket of aws_mqtt_agent.c, here a modem socket):
 * DNS, TCP or TLS with sec tags, ALPN and SNI, packets written in order, a read loop handing chunks
 * to the MQTT library, and a close.
 */
export class AgentConnection {
  private closed = false;
  private writes: Promise<boolean> = Promise.resolve(true);

  private constructor(
    private readonly sockets: AgentModem['sockets'],
    private readonly fd: number,
  ) {}

  /**
   * Resolves, opens, sets up and connects the socket. Rejects with the DnsError or SocketError;
   * `signal` abandons the attempt (the socket is closed).
   */
  static async open(
    sockets: AgentModem['sockets'],
    target: AgentTarget,
    signal: AbortSignal,
  ): Promise<AgentConnection> {
    const [info] = await sockets.getaddrinfo(target.host, String(target.port), {
      family: AF_INET,
      socktype: SOCK_STREAM,
    });
    signal.throwIfAborted();
    if (!info) throw new Error(`no address for ${target.host}`);
    const fd = sockets.socket(AF_INET, SOCK_STREAM, target.tls ? IPPROTO_TLS_1_2 : IPPROTO_TCP);
    const abort = (): void => {
      if (sockets.isOpen(fd)) sockets.close(fd);
    };
    let onAbort = (): void => undefined;
    try {
      if (target.tls) applyTlsSocketOptions(sockets, fd, target.tls);
      // Closing the socket ends a connect in progress; the race also covers one that would not.
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => {
          abort();
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      await Promise.race([sockets.connect(fd, { ...info.addr, port: target.port }), aborted]);
      signal.throwIfAborted();
    } catch (err) {
      abort();
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return new AgentConnection(sockets, fd);
  }

  get open(): boolean {
    return !this.closed;
  }

  /**
   * Queues `bytes` behind earlier writes so packets never interleave; resolves false when the
   * socket failed or was closed before all of them were accepted.
   */
  write(bytes: Buffer): Promise<boolean> {
    const next = this.writes.then(async (ok) => {
      if (!ok || this.closed) return false;
      try {
        let sent = 0;
        while (sent < bytes.length) sent += await this.sockets.send(this.fd, bytes.subarray(sent));
        return true;
      } catch {
        return false;
      }
    });
    // A failed write fails the ones behind it: the stream is no longer in step.
    this.writes = next;
    return next;
  }

  /** Reads until the stream ends or fails, then calls `onEnd` once (not after {@link close}). */
  startReading(readSize: number, onData: (chunk: Buffer) => void, onEnd: ConnectionEnd): void {
    void (async () => {
      let error: unknown;
      try {
        for (;;) {
          const chunk = await this.sockets.recv(this.fd, readSize);
          if (this.closed) return;
          if (chunk.length === 0) break;
          onData(chunk);
          if (this.closed) return;
        }
      } catch (err) {
        if (this.closed) return;
        error = err;
      }
      this.close();
      onEnd(error);
    })();
  }

  /** Closes the socket (what was written still reaches the broker, as a modem close does). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sockets.isOpen(this.fd)) this.sockets.close(this.fd);
  }
}
