import type { Client } from 'aedes';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { S3Credentials } from '../s3/sigv4.js';
import type { JobsService } from '../services/jobs/jobs-service.js';
import type { BrokerService, ServiceContext } from '../services/service.js';
import type { ShadowService } from '../services/shadow/shadow-service.js';
import type { AwsApiContext } from './aws-context.js';
import { AwsError } from './aws-error.js';
import { API_OF_SIGNING_NAME, AwsRouter, type AwsReply, type AwsRoute } from './aws-router.js';
import { certificateRoutes } from './control-plane/certificates.js';
import { jobRoutes } from './control-plane/jobs.js';
import { policyRoutes } from './control-plane/policies.js';
import { provisioningRoutes } from './control-plane/provisioning.js';
import { thingGroupRoutes } from './control-plane/thing-groups.js';
import { thingRoutes } from './control-plane/things.js';
import { dataPlaneRoutes } from './data-plane.js';
import { jobsDataPlaneRoutes } from './jobs-data-plane.js';
import { authenticate, type SignedRequest } from './sigv4-auth.js';

export interface AwsApiServiceOptions {
  shadows: ShadowService;
  jobs: JobsService;
  /**
   * Access keys whose SigV4 signatures are verified. Empty (the default): any well-formed SigV4
   * signature is accepted, whatever key signed it, as LocalStack does.
   */
  credentials?: readonly S3Credentials[];
}

/**
 * AWS IoT's own REST-JSON APIs — the control plane (`iot`), the data plane (`iotdata`) and the Jobs
 * data plane (`iot-jobs-data`) — over the stand-in's services, so code written against the AWS SDKs
 * or the AWS CLI runs unchanged with only the endpoint changed. One port serves all three: the
 * signing name in a request's SigV4 credential scope says which API it is for, since their paths
 * overlap (`GET /things/{thing}/jobs/{jobId}` is in the control plane and the Jobs data plane).
 */
export class AwsApiService implements BrokerService {
  readonly name = 'aws-api';
  private ctx: ServiceContext | undefined;
  private readonly clients = new Map<string, Client>();
  readonly router: AwsRouter;

  constructor(private readonly options: AwsApiServiceOptions) {
    const context = (): ServiceContext => this.context;
    const api: AwsApiContext = {
      get service() {
        return context();
      },
      shadows: options.shadows,
      jobs: options.jobs,
      dropConnections: (certificateId) => this.dropConnections(certificateId),
    };
    const routes: AwsRoute[] = [
      ...thingRoutes(api),
      ...certificateRoutes(api),
      ...policyRoutes(api),
      ...thingGroupRoutes(api),
      ...jobRoutes(api),
      ...provisioningRoutes(api),
      ...dataPlaneRoutes(api),
      ...jobsDataPlaneRoutes(api),
    ];
    this.router = new AwsRouter(routes);
  }

  async start(context: ServiceContext): Promise<void> {
    this.ctx = context;
    const aedes = context.aedes;
    if (!aedes) return;
    aedes.on('client', (client) => this.clients.set(client.id, client));
    aedes.on('clientDisconnect', (client) => {
      if (this.clients.get(client.id) === client) this.clients.delete(client.id);
    });
  }

  private get context(): ServiceContext {
    if (!this.ctx) throw new SimError(ErrorCode.INVALID_STATE, 'the AWS API service has not been started');
    return this.ctx;
  }

  /** An `x-amzn-RequestId`, from the stand-in's seeded generator. */
  requestId(): string {
    const h = this.context.random.bytes(16).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** Whether SigV4 signatures are checked against keys (true) or only for their form (false). */
  get verifiesSignatures(): boolean {
    return (this.options.credentials?.length ?? 0) > 0;
  }

  private dropConnections(certificateId: string): number {
    let dropped = 0;
    for (const client of this.clients.values()) {
      if (this.context.identityOf(client)?.certificateId !== certificateId) continue;
      this.context.log.add({
        type: 'connection-revoked',
        clientId: client.id,
        detail: `certificate ${certificateId} is no longer ACTIVE`,
      });
      client.close();
      dropped++;
    }
    return dropped;
  }

  /** Authenticates and runs one HTTP request; every failure is an AwsError. */
  async handle(request: SignedRequest): Promise<AwsReply> {
    const caller = authenticate(request, this.options.credentials ?? [], this.context.clock.now());
    const api = API_OF_SIGNING_NAME[caller.service];
    if (!api) {
      throw new AwsError(
        400,
        'UnrecognizedClientException',
        `the stand-in serves the iot, iotdata and iot-jobs-data APIs, not ${caller.service}`,
      );
    }
    return this.router.dispatch(api, request.method, request.url, request.headers, request.body);
  }
}
