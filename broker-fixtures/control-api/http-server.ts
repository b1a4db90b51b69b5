import type http from 'node:http';
import { ErrorCode } from '../../core/errors.js';
import type { ApiRouter } from './router.js';
import { LoopbackHttpServer } from './loopback-http.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Serves the {@link ApiRouter} as HTTP/JSON on loopback. */
export class ControlApiServer extends LoopbackHttpServer {
  static async listen(router: ApiRouter, port: number, host = '127.0.0.1'): Promise<ControlApiServer> {
    const { server, port: bound } = await LoopbackHttpServer.start(
      (req, res) => handle(router, req, res),
      port,
      host,
      'the control API',
    );
    return new ControlApiServer(server, bound, host);
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
