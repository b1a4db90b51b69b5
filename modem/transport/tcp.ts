import net from 'node:net';
import { hostIo } from '../../core/host-io.js';
import { TypedEmitter } from '../../core/events.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { trace } from '../../core/trace.js';
import { MAX_PENDING_OUTPUT, type Transport, type TransportEvents } from './transport.js';

export interface TcpTransportOptions {
  /** 0 picks a free port. */
  port: number;
  host?: string;
}

/**
 * The AT interface on a loopback TCP port, like a serial-to-network bridge (ser2net): one client at a
 * time, as a serial line has one terminal. A second client is told the port is busy and disconnected;
 * the first keeps its session.
 */
export class TcpTransport extends TypedEmitter<TransportEvents> implements Transport {
  readonly kind = 'tcp' as const;
  private client: net.Socket | undefined;
  private isClosed = false;

  private constructor(
    private readonly server: net.Server,
    readonly address: string,
    readonly port: number,
  ) {
    super();
    server.on('connection', (socket) => this.accept(socket));
  }

  static async listen(options: TcpTransportOptions): Promise<TcpTransport> {
    const host = options.host ?? '127.0.0.1';
    const server = net.createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          reject(
            new SimError(ErrorCode.PORT_IN_USE, `TCP port ${options.port} on ${host} is already in use`),
          );
        } else if (err.code === 'EACCES') {
          reject(new SimError(ErrorCode.PORT_IN_USE, `not allowed to listen on TCP port ${options.port}`));
        } else reject(err);
      });
      server.listen(options.port, host, () => resolve());
    });
    const bound = server.address() as net.AddressInfo;
    return new TcpTransport(server, `${host}:${bound.port}`, bound.port);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get hasPeer(): boolean {
    return this.client !== undefined;
  }

  write(data: Uint8Array | string): void {
    const client = this.client;
    if (this.isClosed || !client || client.destroyed) return;
    if (client.writableLength > MAX_PENDING_OUTPUT) return;
    client.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.client?.destroy();
    this.client = undefined;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.emit('close');
  }

  private accept(socket: net.Socket): void {
    socket.on('error', () => {
      // A client that vanishes (ECONNRESET, EPIPE) is reported through 'close' below.
    });
    if (this.isClosed) {
      socket.destroy();
      return;
    }
    const current = this.client;
    if (current) {
      // A client that reconnects at once may arrive before its old connection's FIN is processed:
      // give the old one a moment to go before calling the port busy.
      const timer = hostIo.after(250, () => {
        current.off('close', retry);
        socket.end('\r\nERROR: the AT port is in use by another client\r\n');
        socket.setTimeout(1000, () => socket.destroy());
      });
      const retry = (): void => {
        timer.cancel();
        hostIo.soon(() => this.accept(socket));
      };
      current.once('close', retry);
      return;
    }
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.client = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    socket.on('close', () => {
      if (this.client !== socket) return;
      this.client = undefined;
      trace('transport', { transport: this.address, event: 'peer-gone', detail: peer });
      this.emit('peer-gone', 'client disconnected');
    });
    trace('transport', { transport: this.address, event: 'peer', detail: peer });
    this.emit('peer', peer);
  }
}
