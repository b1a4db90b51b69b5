import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, SimError } from '../../core/errors.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

/**
 * An HTTP server on one address (the console, the AWS API): a port in use is PORT_IN_USE naming
 * `what`, and close drops the keep-alive connections instead of waiting for them.
 */
export class LoopbackHttpServer {
  protected constructor(
    private readonly server: http.Server,
    readonly port: number,
    readonly host: string,
  ) {}

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  protected static async start(
    handler: Handler,
    port: number,
    host: string,
    what: string,
  ): Promise<{ server: http.Server; port: number }> {
    const server = http.createServer((req, res) => void handler(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new SimError(ErrorCode.PORT_IN_USE, `cannot listen on ${host}:${port} for ${what}: ${err.code}`)
            : err,
        ),
      );
      server.listen(port, host, () => resolve());
    });
    return { server, port: (server.address() as AddressInfo).port };
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
