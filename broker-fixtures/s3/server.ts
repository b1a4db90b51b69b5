import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { Random } from '../../core/random.js';
import { removeAtomicWriteLeftovers } from '../state/leftovers.js';
import { bucketRequest, listBuckets } from './bucket-requests.js';
import { loadOrCreateCredentials, loadOrCreateTls, tlsPaths } from './credentials.js';
import { sendError } from './http-reply.js';
import { objectRequest, putObject } from './object-requests.js';
import { authorize } from './request-auth.js';
import { routeOf } from './request-route.js';
import { checkS3State } from './state-check.js';
import { presignUrl, type S3Credentials } from './sigv4.js';
import { ObjectStore } from './store.js';

/** A temporary file this old cannot belong to a write in progress (another process may share the folder). */
const LEFTOVER_AGE_MS = 60_000;

export interface S3ServerOptions {
  /** State directory; the stand-in keeps everything under `<stateDir>/s3/`. */
  stateDir: string;
  clock: Clock;
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
  /** Serve reads (GET, HEAD) without a presigned signature (default true, like a public bucket). */
  allowAnonymous?: boolean;
  /** Accept PUT and DELETE without a signature (default false: writes need a presigned URL). */
  anonymousWrites?: boolean;
  /** Request ids (`x-amz-request-id`, `x-amz-id-2`). */
  random: Random;
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
    private readonly anonymousWrites: boolean,
    private readonly random: Random,
  ) {}

  static async start(options: S3ServerOptions): Promise<S3Server> {
    const clock = options.clock;
    const host = options.host ?? '127.0.0.1';
    const region = options.region ?? 'us-east-1';
    const dir = path.resolve(options.stateDir, 's3');
    // Checked before anything is written; then what interrupted writes left is cleared.
    await checkS3State(dir);
    await removeAtomicWriteLeftovers(dir, clock.now(), LEFTOVER_AGE_MS);
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
      options.anonymousWrites ?? false,
      options.random,
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

  /** A presigned URL valid for `expiresSeconds` from now on the server's clock; an empty key names the bucket. */
  presign(
    bucket: string,
    key: string,
    options: {
      expiresSeconds?: number;
      https?: boolean;
      style?: 'path' | 'virtual';
      /** GET unless told: PUT and DELETE URLs are how writes get in without `anonymousWrites`. */
      method?: 'GET' | 'HEAD' | 'PUT' | 'DELETE';
    } = {},
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
      method: options.method ?? 'GET',
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
          sendError(req, res, 500, 'InternalError', `We encountered an internal error: ${String(err)}`);
        else res.destroy();
      });
    });
    return server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = this.random.bytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    res.setHeader('x-amz-id-2', this.random.bytes(24).toString('base64'));
    res.setHeader('Server', 'AmazonS3');
    const method = req.method ?? 'GET';
    if (method !== 'PUT') req.resume();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://s3.local');
    } catch {
      return sendError(req, res, 400, 'InvalidURI', "Couldn't parse the specified URI.");
    }
    const route = routeOf(req, url.pathname);
    if (!route) return sendError(req, res, 400, 'InvalidURI', "Couldn't parse the specified URI.");
    const refused = authorize(req, route.path, [...url.searchParams.entries()], {
      credentials: this.credentials,
      now: this.clock.now(),
      allowAnonymous: this.allowAnonymous,
      anonymousWrites: this.anonymousWrites,
    });
    if (refused) {
      if (method === 'PUT') req.resume();
      return sendError(req, res, refused.status, refused.code, refused.message, refused.extra);
    }
    const { bucket, key } = route;
    if (!bucket) return listBuckets(this.store, req, res);
    if (!key) return bucketRequest(this.store, req, res, bucket, url.searchParams.get('prefix') ?? '');
    if (method === 'PUT') return putObject(this.store, req, res, bucket, key);
    return objectRequest(this.store, req, res, bucket, key);
  }
}
