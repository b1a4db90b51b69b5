import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { systemClock, type Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { loadOrCreateCredentials, loadOrCreateTls, tlsPaths } from './credentials.js';
import { decideRange } from './range.js';
import { checkPresigned, presignUrl, type S3Credentials } from './sigv4.js';
import { isValidBucketName, ObjectStore } from './store.js';
import { s3ErrorXml, xmlDocument } from './xml.js';

export interface S3ServerOptions {
  /** State directory; the stand-in keeps everything under `<stateDir>/s3/`. */
  stateDir: string;
  clock?: Clock;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** HTTP port (0 = any free one, null = no HTTP listener). */
  httpPort?: number | null;
  /** HTTPS port (0 = any free one, null = no HTTPS listener). */
  httpsPort?: number | null;
  /** Region named in presigned URLs (default us-east-1). */
  region?: string;
  /** Extra names for the HTTPS certificate (defaults cover localhost, loopback and *.s3.amazonaws.com). */
  hostnames?: readonly string[];
  /** Serve requests without a presigned signature (default true, like a public development bucket). */
  allowAnonymous?: boolean;
}

interface Route {
  bucket: string | undefined;
  key: string | undefined;
  /** The decoded path the signature covers. */
  path: string;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new SimError(ErrorCode.PORT_IN_USE, `port ${port} is in use`, { cause: err })
          : err,
      ),
    );
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * An S3 stand-in for firmware downloads: buckets and objects over HTTP and HTTPS, single byte ranges
 * (206 + `Content-Range`, clamped ends, 416), keep-alive, and SigV4 presigned URLs that expire on the
 * injected Clock. Works with any HTTP client: curl, undici, the device's download_client.
 */
export class S3Server {
  /** Connections accepted so far (keep-alive shows as many requests on few connections). */
  connections = 0;
  requests = 0;
  private readonly servers: http.Server[] = [];
  private readonly sockets = new Set<Socket>();
  private httpUrlValue: string | undefined;
  private httpsUrlValue: string | undefined;

  private constructor(
    readonly store: ObjectStore,
    readonly credentials: S3Credentials,
    readonly caCert: string | undefined,
    readonly dir: string,
    private readonly clock: Clock,
    private readonly region: string,
    private readonly allowAnonymous: boolean,
  ) {}

  static async start(options: S3ServerOptions): Promise<S3Server> {
    const clock = options.clock ?? systemClock;
    const host = options.host ?? '127.0.0.1';
    const region = options.region ?? 'us-east-1';
    const dir = path.resolve(options.stateDir, 's3');
    const credentials = await loadOrCreateCredentials(dir);
    const hosts = [
      ...new Set([
        'localhost',
        '127.0.0.1',
        '::1',
        's3.amazonaws.com',
        '*.s3.amazonaws.com',
        `s3.${region}.amazonaws.com`,
        `*.s3.${region}.amazonaws.com`,
        host,
        ...(options.hostnames ?? []),
      ]),
    ].filter((h) => h !== '0.0.0.0' && h !== '::');
    const tls = options.httpsPort === null ? undefined : await loadOrCreateTls(dir, hosts, clock.now());
    const server = new S3Server(
      new ObjectStore(dir, clock),
      credentials,
      tls?.caCert,
      dir,
      clock,
      region,
      options.allowAnonymous ?? true,
    );
    try {
      if (options.httpPort !== null) {
        const port = await listen(server.attach(http.createServer(), false), options.httpPort ?? 0, host);
        server.httpUrlValue = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      }
      if (tls) {
        const port = await listen(
          server.attach(https.createServer({ cert: tls.cert, key: tls.key }), true),
          options.httpsPort ?? 0,
          host,
        );
        server.httpsUrlValue = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
      }
    } catch (err) {
      await server.close();
      throw err;
    }
    return server;
  }

  get httpUrl(): string | undefined {
    return this.httpUrlValue;
  }

  get httpsUrl(): string | undefined {
    return this.httpsUrlValue;
  }

  /** The CA certificate file clients pass to `curl --cacert`. */
  get caFile(): string {
    return tlsPaths(this.dir).ca;
  }

  /** A presigned GET URL valid for `expiresSeconds` from now on the server's clock. */
  presign(
    bucket: string,
    key: string,
    options: { expiresSeconds?: number; https?: boolean; style?: 'path' | 'virtual' } = {},
  ): string {
    const endpoint = options.https === false ? this.httpUrl : (this.httpsUrl ?? this.httpUrl);
    if (!endpoint) throw new SimError(ErrorCode.INVALID_STATE, 'the S3 stand-in has no listener');
    return presignUrl({
      endpoint,
      bucket,
      key,
      credentials: this.credentials,
      region: this.region,
      now: this.clock.now(),
      expiresSeconds: options.expiresSeconds ?? 3600,
      style: options.style ?? 'path',
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private attach(server: http.Server, secure: boolean): http.Server {
    this.servers.push(server);
    server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.requests++;
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          this.fail(req, res, 500, 'InternalError', `We encountered an internal error: ${String(err)}`);
        else res.destroy();
      });
    });
    return server;
  }

  private route(req: IncomingMessage, pathname: string): Route {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const decoded = decodeURIComponent(pathname);
    const virtual =
      /^(.+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(host) ?? /^(.+)\.localhost$/.exec(host);
    if (virtual?.[1]) {
      const key = decoded.slice(1);
      return { bucket: virtual[1], key: key || undefined, path: decoded };
    }
    const [, bucket = '', ...rest] = decoded.split('/');
    const key = rest.join('/');
    return { bucket: bucket || undefined, key: key || undefined, path: decoded };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', randomBytes(24).toString('base64'));
    res.setHeader('Server', 'AmazonS3');
    const url = new URL(req.url ?? '/', 'http://s3.local');
    const route = this.route(req, url.pathname);
    const params = [...url.searchParams.entries()];
    const method = req.method ?? 'GET';
    if (method !== 'PUT') req.resume();
    if (params.some(([k]) => k === 'X-Amz-Signature' || k === 'X-Amz-Algorithm')) {
      const check = checkPresigned({
        method,
        path: route.path,
        params,
        host: req.headers.host ?? '',
        ...(req.socket.localPort !== undefined ? { localPort: req.socket.localPort } : {}),
        credentials: this.credentials,
        now: this.clock.now(),
      });
      if (!check.ok) return this.fail(req, res, check.status, check.code, check.message, check.extra);
    } else if (!this.allowAnonymous) {
      return this.fail(req, res, 403, 'AccessDenied', 'Access Denied');
    }
    const { bucket, key } = route;
    if (!bucket) {
      if (method !== 'GET')
        return this.fail(
          req,
          res,
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        );
      const names = await this.store.listBuckets();
      return this.xml(
        res,
        200,
        xmlDocument(
          'ListAllMyBucketsResult',
          { Owner: { ID: 'nrf91sim' }, Buckets: { Bucket: names.map((Name) => ({ Name })) } },
          true,
        ),
      );
    }
    if (!key) return this.handleBucket(req, res, bucket, url.searchParams.get('prefix') ?? '');
    if (method === 'PUT') return this.putObject(req, res, bucket, key);
    if (!(await this.store.bucketExists(bucket))) {
      return this.fail(req, res, 404, 'NoSuchBucket', 'The specified bucket does not exist', {
        BucketName: bucket,
      });
    }
    if (method === 'DELETE') {
      await this.store.deleteObject(bucket, key);
      res.writeHead(204).end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      return this.fail(
        req,
        res,
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      );
    }
    const found = await this.store.headObject(bucket, key);
    if (!found)
      return this.fail(req, res, 404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
    const rangeHeader = req.headers.range;
    const range = decideRange(rangeHeader, found.size);
    res.setHeader('Last-Modified', new Date(found.lastModified).toUTCString());
    res.setHeader('ETag', `"${found.etag}"`);
    res.setHeader('Accept-Ranges', 'bytes');
    if (range.kind === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${found.size}`);
      return this.fail(req, res, 416, 'InvalidRange', 'The requested range is not satisfiable', {
        RangeRequested: rangeHeader,
        ActualObjectSize: found.size,
      });
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, found.size - 1];
    res.setHeader('Content-Type', found.contentType);
    res.setHeader('Content-Length', String(end - start + 1));
    if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${found.size}`);
    res.writeHead(range.kind === 'partial' ? 206 : 200);
    if (method === 'HEAD' || found.size === 0) {
      res.end();
      return;
    }
    if (found.content) res.end(found.content.subarray(start, end + 1));
    else await pipeline(this.store.openRange(found, start, end), res);
  }

  private async handleBucket(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    prefix: string,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'PUT') {
      if (!isValidBucketName(bucket))
        return this.fail(req, res, 400, 'InvalidBucketName', 'The specified bucket is not valid.', {
          BucketName: bucket,
        });
      await this.store.createBucket(bucket);
      req.resume();
      res.writeHead(200, { Location: `/${bucket}` }).end();
      return;
    }
    if (!(await this.store.bucketExists(bucket))) {
      return this.fail(req, res, 404, 'NoSuchBucket', 'The specified bucket does not exist', {
        BucketName: bucket,
      });
    }
    if (method === 'HEAD') {
      res.writeHead(200).end();
      return;
    }
    if (method === 'DELETE') {
      const r = await this.store.deleteBucket(bucket);
      if (r === 'not-empty')
        return this.fail(req, res, 409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', {
          BucketName: bucket,
        });
      res.writeHead(204).end();
      return;
    }
    if (method !== 'GET')
      return this.fail(
        req,
        res,
        405,
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      );
    const objects = await this.store.listObjects(bucket, prefix);
    return this.xml(
      res,
      200,
      xmlDocument(
        'ListBucketResult',
        {
          Name: bucket,
          Prefix: prefix,
          KeyCount: objects.length,
          MaxKeys: 1000,
          IsTruncated: false,
          Contents: objects.map((o) => ({
            Key: o.key,
            LastModified: new Date(o.lastModified).toISOString(),
            ETag: `"${o.etag}"`,
            Size: o.size,
            StorageClass: 'STANDARD',
          })),
        },
        true,
      ),
    );
  }

  private async putObject(
    req: IncomingMessage,
    res: ServerResponse,
    bucket: string,
    key: string,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!(await this.store.bucketExists(bucket))) {
      return this.fail(req, res, 404, 'NoSuchBucket', 'The specified bucket does not exist', {
        BucketName: bucket,
      });
    }
    const info = await this.store.putObject(
      bucket,
      key,
      Buffer.concat(chunks),
      req.headers['content-type'] ?? 'application/octet-stream',
    );
    res.writeHead(200, { ETag: `"${info.etag}"`, 'Content-Length': '0' }).end();
  }

  private xml(res: ServerResponse, status: number, body: string): void {
    res
      .writeHead(status, {
        'Content-Type': 'application/xml',
        'Content-Length': String(Buffer.byteLength(body)),
      })
      .end(body);
  }

  private fail(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    code: string,
    message: string,
    extra: Record<string, unknown> = {},
  ): void {
    const body = s3ErrorXml(code, message, String(res.getHeader('x-amz-request-id') ?? ''), extra);
    res.setHeader('Content-Type', 'application/xml');
    res.setHeader('Content-Length', String(Buffer.byteLength(body)));
    res.writeHead(status);
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
