import { S3Server } from '../s3/server.js';
import { presignUrl } from '../s3/sigv4.js';
import type { Presigner, S3Location } from './jobs/presigned-placeholders.js';
import type { BrokerService, ServiceContext } from './service.js';

export interface S3HostingOptions {
  /** The stand-in's state directory: objects live in `<stateDir>/s3/`, shared with `nrf91sim s3`. */
  stateDir: string;
  host: string;
  /** HTTP port (0 = a free one, null = none). */
  httpPort?: number | null;
  /** HTTPS port (0 = a free one, null = none). */
  httpsPort?: number | null;
  /** Region signed into URLs whose placeholder names none. */
  region: string;
  /** Scheme of the URLs put into job documents (default https, as AWS's). */
  presignScheme?: 'https' | 'http';
  /** Accept PUT and DELETE without a presigned URL (default false). */
  anonymousWrites?: boolean;
}

/** Where the hosted S3 stand-in answers. */
export interface S3Endpoints {
  http: string | null;
  https: string | null;
  /** The CA clients trust for the HTTPS listener (`curl --cacert`). */
  caFile: string;
  region: string;
}

/**
 * The S3 stand-in served by the broker process, so one `nrf91sim broker` answers MQTT, the console
 * and firmware downloads, and job documents' presigned-URL placeholders resolve to URLs it accepts.
 * Not started in headless mode (no broker running).
 */
export class S3HostingService implements BrokerService {
  readonly name = 's3';
  private serverValue: S3Server | undefined;
  private ctx: ServiceContext | undefined;

  constructor(private readonly options: S3HostingOptions) {}

  async start(context: ServiceContext): Promise<void> {
    this.ctx = context;
    if (!context.aedes) return;
    this.serverValue = await S3Server.start({
      stateDir: this.options.stateDir,
      clock: context.clock,
      random: context.random.fork('s3'),
      host: this.options.host,
      httpPort: this.options.httpPort === undefined ? 0 : this.options.httpPort,
      httpsPort: this.options.httpsPort === undefined ? 0 : this.options.httpsPort,
      region: this.options.region,
      anonymousWrites: this.options.anonymousWrites === true,
    });
  }

  async stop(): Promise<void> {
    await this.serverValue?.close();
    this.serverValue = undefined;
  }

  get server(): S3Server | undefined {
    return this.serverValue;
  }

  get endpoints(): S3Endpoints | undefined {
    const s = this.serverValue;
    return s
      ? { http: s.httpUrl ?? null, https: s.httpsUrl ?? null, caFile: s.caFile, region: this.options.region }
      : undefined;
  }

  /**
   * Signs like a role-issued AWS IoT Jobs URL (with `X-Amz-Security-Token`), for the hosted server's
   * listener; undefined while no server runs.
   */
  readonly presigner: () => Presigner | undefined = () => {
    const server = this.serverValue;
    const clock = this.ctx?.clock;
    const random = this.ctx?.random;
    if (!server || !clock || !random) return undefined;
    const endpoint =
      this.options.presignScheme === 'http'
        ? (server.httpUrl ?? server.httpsUrl)
        : (server.httpsUrl ?? server.httpUrl);
    if (!endpoint) return undefined;
    return (location: S3Location, expiresSeconds: number) =>
      presignUrl({
        endpoint,
        bucket: location.bucket,
        key: location.key,
        credentials: server.credentials,
        region: location.region ?? this.options.region,
        now: clock.now(),
        expiresSeconds,
        sessionToken: random.bytes(24).toString('base64'),
      });
  };
}
