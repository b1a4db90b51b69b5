import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { ApiRouter } from './router.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Serves the {@link ApiRouter} as HTTP/JSON on loopback. */
export class ControlApiServer {
  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    readonly host: string,
  ) {}

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  static async listen(router: ApiRouter, port: number, host = '127.0.0.1'): Promise<ControlApiServer> {
    const server = http.createServer((req, res) => {
      void handle(router, req, res);
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new SimError(
                ErrorCode.PORT_IN_USE,
                `cannot listen on ${host}:${port} for the control API: ${err.code}`,
              )
            : err,
        ),
      );
      server.listen(port, host, () => resolve());
    });
    return new ControlApiServer(server, (server.address() as AddressInfo).port, host);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function handle(router: ApiRouter, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const send = (status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES)
        return send(413, { code: ErrorCode.INVALID_ARGUMENT, message: 'the request body is too large' });
      chunks.push(chunk as Buffer);
    }
    // The router parses the body (with limits), or hands the text to a route that reads it itself.
    const text = Buffer.concat(chunks).toString('utf8');
    const out = await router.dispatch({ method: req.method ?? 'GET', url: req.url ?? '/', text });
    send(out.status, out.body);
  } catch (err) {
    if (!res.headersSent) send(500, { code: 'NRF91SIM_ERROR', message: (err as Error).message });
    else res.destroy();
  }
}
