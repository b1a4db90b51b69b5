import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { AwsApiService } from './aws-api-service.js';
import { AwsError } from './aws-error.js';

/** AWS IoT's request limit for the control plane body; shadow documents and publishes are far smaller. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Serves an {@link AwsApiService} as AWS's REST-JSON over HTTP on loopback: the URL an SDK's `endpoint` takes. */
export class AwsApiServer {
  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    readonly host: string,
  ) {}

  get url(): string {
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  static async listen(service: AwsApiService, port: number, host = '127.0.0.1'): Promise<AwsApiServer> {
    const server = http.createServer((req, res) => void handle(service, req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new SimError(
                ErrorCode.PORT_IN_USE,
                `cannot listen on ${host}:${port} for the AWS API: ${err.code}`,
              )
            : err,
        ),
      );
      server.listen(port, host, () => resolve());
    });
    return new AwsApiServer(server, (server.address() as AddressInfo).port, host);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function handle(
  service: AwsApiService,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const requestId = service.requestId();
  const send = (status: number, body: Buffer, headers: Record<string, string> = {}): void => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'x-amzn-requestid': requestId,
      ...headers,
    });
    res.end(body);
  };
  const fail = (err: AwsError): void =>
    send(err.status, Buffer.from(JSON.stringify({ message: err.message }), 'utf8'), {
      'x-amzn-errortype': err.type,
    });
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    // An oversized body is read to its end and dropped: answering mid-upload resets the client's socket.
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    if (size > MAX_BODY_BYTES) {
      return fail(
        new AwsError(
          413,
          'RequestEntityTooLargeException',
          `the request body is ${size} bytes; at most 1 MB`,
        ),
      );
    }
    const reply = await service.handle({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
    });
    if (reply.raw) send(reply.status ?? 200, reply.raw);
    else send(reply.status ?? 200, Buffer.from(JSON.stringify(reply.json ?? {}), 'utf8'));
  } catch (err) {
    if (res.headersSent) return void res.destroy();
    fail(
      err instanceof AwsError ? err : new AwsError(500, 'InternalFailureException', (err as Error).message),
    );
  }
}
