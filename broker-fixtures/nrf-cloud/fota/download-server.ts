import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, SimError } from '../../../core/errors.js';
import { decideRange } from '../../s3/range.js';
import type { NrfCloudFirmwares } from './firmwares.js';

/**
 * The firmware download server: `GET /v1/firmwares/<bundleId>/<file>` over HTTPS with the nRF
 * Cloud CA's server certificate, single byte ranges answered 206 with `Content-Range`, as NCS's
 * download_client needs (exactly 206 for a ranged request, the size after the `/`).
 */
export class FirmwareDownloadServer {
  private constructor(
    private readonly server: https.Server,
    readonly port: number,
  ) {}

  static async listen(
    firmwares: NrfCloudFirmwares,
    options: { host: string; port: number; key: string; cert: string },
  ): Promise<FirmwareDownloadServer> {
    const server = https.createServer(
      { key: options.key, cert: options.cert, minVersion: 'TLSv1.2' },
      (req, res) => void serve(firmwares, req, res),
    );
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new SimError(
                ErrorCode.PORT_IN_USE,
                `cannot listen on ${options.host}:${options.port} for nRF Cloud firmware downloads: ${err.code}`,
              )
            : err,
        ),
      );
      server.listen(options.port, options.host, () => resolve());
    });
    return new FirmwareDownloadServer(server, (server.address() as AddressInfo).port);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function serve(firmwares: NrfCloudFirmwares, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const fail = (status: number, message: string, extra: Record<string, string> = {}): void => {
    res.writeHead(status, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(message),
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : message);
  };
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'only GET and HEAD');
    const m = /^\/v1\/firmwares\/([^/?]+)\/([^/?]+)(?:\?.*)?$/.exec(req.url ?? '');
    let image: Buffer | undefined;
    if (m) {
      try {
        image = await firmwares.image(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
      } catch {
        image = undefined;
      }
    }
    if (!image) return fail(404, 'no such firmware file');
    const range = decideRange(req.headers.range, image.length);
    const common = { 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (range.kind === 'unsatisfiable')
      return fail(416, 'the requested range is not satisfiable', {
        'content-range': `bytes */${image.length}`,
      });
    if (range.kind === 'full') {
      res.writeHead(200, { ...common, 'content-length': image.length });
      res.end(req.method === 'HEAD' ? undefined : image);
      return;
    }
    const body = image.subarray(range.start, range.end + 1);
    res.writeHead(206, {
      ...common,
      'content-length': body.length,
      'content-range': `bytes ${range.start}-${range.end}/${image.length}`,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    if (!res.headersSent) fail(500, (err as Error).message);
    else res.destroy();
  }
}
