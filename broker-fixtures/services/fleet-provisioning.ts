import { isSimError } from '../../core/errors.js';
import { parseJsonSafely } from '../json/safe-json.js';
import { applyTemplate, evaluateTemplate } from '../registry/provisioning-template.js';
import type { CertificateRecord } from '../registry/types.js';
import type { BrokerService, InboundMessage, ServiceContext } from './service.js';

const TOKEN_LIFETIME_MS = 3600_000;

interface Rejection {
  statusCode: number;
  errorCode: string;
  errorMessage: string;
}

function reject(statusCode: number, errorCode: string, errorMessage: string): Rejection {
  return { statusCode, errorCode, errorMessage };
}

function parseJson(payload: Buffer): Record<string, unknown> | undefined {
  if (payload.length === 0) return {};
  const parsed = parseJsonSafely(payload.toString('utf8'));
  if (!parsed.ok) return undefined;
  const value = parsed.value;
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Fleet provisioning by claim (cloud-services.md §3.11): CreateKeysAndCertificate,
 * CreateCertificateFromCsr and RegisterThing over MQTT, JSON payloads. Replies go to the requesting
 * connection only — the create reply carries a private key.
 */
export class FleetProvisioningService implements BrokerService {
  readonly name = 'fleet-provisioning';
  private ctx: ServiceContext | undefined;

  async start(context: ServiceContext): Promise<void> {
    this.ctx = context;
    await context.subscribe('$aws/certificates/create/+', (m) =>
      this.request(m, 'create', () => this.create()),
    );
    await context.subscribe('$aws/certificates/create-from-csr/+', (m) =>
      this.request(m, 'create-from-csr', (body) => this.createFromCsr(body)),
    );
    await context.subscribe('$aws/provisioning-templates/+/provision/+', (m) =>
      this.request(m, 'provision', (body) => this.provision(m.topic.split('/')[2] ?? '', body)),
    );
  }

  private async request(
    message: InboundMessage,
    operation: string,
    run: (body: Record<string, unknown>) => Promise<Record<string, unknown> | Rejection>,
  ): Promise<void> {
    const ctx = this.ctx;
    if (!ctx || message.clientId === undefined) return;
    const format = message.topic.split('/').pop();
    if (format !== 'json' && format !== 'cbor') return;
    let result: Record<string, unknown> | Rejection;
    const body = parseJson(message.payload);
    if (format === 'cbor')
      result = reject(400, 'InvalidPayload', 'the stand-in supports the json payload format only');
    else if (!body) result = reject(400, 'InvalidPayload', 'the payload is not a JSON object');
    else {
      try {
        result = await run(body);
      } catch (err) {
        result = isSimError(err)
          ? reject(400, 'InvalidPayload', err.message)
          : reject(500, 'InternalFailure', (err as Error).message);
      }
    }
    const rejected = 'errorCode' in result && 'statusCode' in result;
    ctx.log.add({ type: `fleet-${operation}${rejected ? '-rejected' : ''}`, clientId: message.clientId });
    await ctx.deliverTo(
      message.clientId,
      `${message.topic}/${rejected ? 'rejected' : 'accepted'}`,
      JSON.stringify(result),
    );
  }

  private async register(certificatePem: string): Promise<CertificateRecord> {
    const ctx = this.ctx!;
    await this.sweep();
    const token = ctx.random.bytes(96).toString('base64');
    return ctx.registry.registerCertificate(certificatePem, 'PENDING_ACTIVATION', {
      ownershipToken: { token, expires: ctx.clock.now() + TOKEN_LIFETIME_MS },
    });
  }

  /** §3.11: a certificate whose ownership token expired unused is deleted. */
  private async sweep(): Promise<void> {
    const ctx = this.ctx!;
    const now = ctx.clock.now();
    for (const cert of await ctx.registry.listCertificates()) {
      if (cert.status === 'PENDING_ACTIVATION' && cert.ownershipToken && cert.ownershipToken.expires < now) {
        await ctx.registry.deleteCertificate(cert.certificateId);
      }
    }
  }

  private async create(): Promise<Record<string, unknown>> {
    const issued = await this.ctx!.ca.issue({ commonName: 'AWS IoT Certificate' });
    const record = await this.register(issued.certificatePem);
    return {
      certificateId: record.certificateId,
      certificatePem: record.certificatePem,
      privateKey: issued.privateKeyPem,
      certificateOwnershipToken: record.ownershipToken?.token,
    };
  }

  private async createFromCsr(body: Record<string, unknown>): Promise<Record<string, unknown> | Rejection> {
    const csr = body.certificateSigningRequest;
    if (typeof csr !== 'string') return reject(400, 'InvalidPayload', 'certificateSigningRequest is missing');
    const issued = await this.ctx!.ca.signCsr(csr);
    const record = await this.register(issued.certificatePem);
    return {
      certificateId: record.certificateId,
      certificatePem: record.certificatePem,
      certificateOwnershipToken: record.ownershipToken?.token,
    };
  }

  private async provision(
    templateName: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown> | Rejection> {
    const ctx = this.ctx!;
    const token = body.certificateOwnershipToken;
    if (typeof token !== 'string')
      return reject(400, 'InvalidPayload', 'certificateOwnershipToken is missing');
    const template = await ctx.registry.getTemplate(templateName);
    if (!template?.enabled)
      return reject(
        404,
        'ResourceNotFound',
        `provisioning template ${templateName} does not exist or is disabled`,
      );
    const cert = (await ctx.registry.listCertificates()).find((c) => c.ownershipToken?.token === token);
    if (!cert?.ownershipToken || cert.ownershipToken.expires < ctx.clock.now()) {
      return reject(
        400,
        'InvalidCertificateOwnershipToken',
        'the certificate ownership token is invalid or expired',
      );
    }
    const raw = body.parameters ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return reject(400, 'InvalidPayload', 'parameters must be an object');
    const parameters: Record<string, string> = { 'AWS::IoT::Certificate::Id': cert.certificateId };
    for (const [k, v] of Object.entries(raw)) parameters[k] = String(v);
    let result;
    try {
      result = evaluateTemplate(template.templateBody, parameters);
    } catch (err) {
      return reject(400, 'InvalidParameters', (err as Error).message);
    }
    await ctx.registry.transaction((w) => applyTemplate(w, templateName, result, cert.certificateId));
    return { deviceConfiguration: result.deviceConfiguration, thingName: result.thingName };
  }
}
