import type http from 'node:http';
import type { AwsApiService } from './aws-api-service.js';
import { AwsError } from './aws-error.js';
import { LoopbackHttpServer } from '../control-api/loopback-http.js';

/** AWS IoT's request limit for the control plane body; shadow documents and publishes are far smaller. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Serves an {@link AwsApiService} as AWS's REST-JSON over HTTP on loopback: the URL an SDK's `endpoint` takes. */
export class AwsApiServer extends LoopbackHttpServer {
  static async listen(service: AwsApiService, port: number, host = '127.0.0.1'): Promise<AwsApiServer> {
    const { server, port: bound } = await LoopbackHttpServer.start(
      (req, res) => handle(service, req, res),
      port,
      host,
      'the AWS API',
    );
    return new AwsApiServer(server, bound, host);
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
