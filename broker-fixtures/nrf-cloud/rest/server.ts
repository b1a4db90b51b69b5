import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, SimError } from '../../../core/errors.js';
import type { RestRouter } from './router.js';

/** Firmware bundles are the largest bodies: 64 MiB is past any nRF91 image. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Serves the {@link RestRouter} over HTTP/1.1. */
export class RestServer {
  private constructor(
    private readonly server: http.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  static async listen(router: RestRouter, port: number, host: string): Promise<RestServer> {
    const server = http.createServer((req, res) => void handle(router, req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new SimError(
                ErrorCode.PORT_IN_USE,
                `cannot listen on ${host}:${port} for the nRF Cloud REST API: ${err.code}`,
              )
            : err,
        ),
      );
      server.listen(port, host, () => resolve());
    });
    return new RestServer(server, host, (server.address() as AddressInfo).port);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function handle(
  router: RestRouter,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const send = (status: number, body?: unknown, text?: string): void => {
    const out = text ?? (body === undefined ? '' : JSON.stringify(body));
    res.writeHead(status, {
      'content-type': text !== undefined ? 'text/plain' : 'application/json',
      'content-length': Buffer.byteLength(out),
    });
    res.end(out);
  };
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return send(413, { code: 41300, message: 'the request body is too large' });
      chunks.push(chunk as Buffer);
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const out = await router.dispatch({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers,
      body: Buffer.concat(chunks),
    });
    send(out.status, out.body, out.text);
  } catch (err) {
    if (!res.headersSent) send(500, { code: 50010, message: (err as Error).message });
    else res.destroy();
  }
}
