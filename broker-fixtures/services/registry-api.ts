import { ErrorCode, SimError } from '../../core/errors.js';
import { certificateIdOf } from '../pki/x509.js';
import { DEFAULT_POLICY_NAME, defaultThingPolicy } from '../policy/default-policy.js';
import type { CertificateStatus } from '../registry/types.js';
import type { ApiRequest, ApiRoute, BrokerService, ServiceContext } from './service.js';

function field<T extends 'string' | 'object' | 'boolean'>(
  body: unknown,
  name: string,
  type: T,
  optional = false,
): unknown {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined && optional) return undefined;
  if (typeof value !== type || value === null) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `the request body needs "${name}" (${type})`);
  }
  return value;
}

const STATUSES: CertificateStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_ACTIVATION'];

/** Extra fields the console reports about the running stand-in (endpoints, CA file). */
export type EndpointInfo = () => Record<string, unknown>;

/**
 * The console's registry side: things, certificates, policies, CAs, provisioning templates and
 * recent events, plus the batch calls the `things` CLI uses to create a thousand things at once.
 */
export class RegistryApiService implements BrokerService {
  readonly name = 'registry';
  private ctx: ServiceContext | undefined;

  constructor(private readonly endpointInfo: EndpointInfo = () => ({})) {}

  async start(context: ServiceContext): Promise<void> {
    this.ctx = context;
  }

  private get context(): ServiceContext {
    if (!this.ctx) throw new SimError(ErrorCode.INVALID_STATE, 'the registry service has not been started');
    return this.ctx;
  }

  /** Creates the default policy under `name` when no such policy exists. */
  async ensurePolicy(name: string): Promise<void> {
    const { registry, config } = this.context;
    if (!(await registry.getPolicy(name)))
      await registry.createPolicy(name, defaultThingPolicy(config.region, config.accountId));
  }

  /**
   * CreateThing + CreateKeysAndCertificate + AttachPolicy + AttachThingPrincipal, for each name; a
   * thing, its certificate and both attachments are one commit, so a crash leaves all or none.
   */
  async provisionThings(thingNames: string[], policyName = DEFAULT_POLICY_NAME) {
    const { registry, ca, config } = this.context;
    const out = [];
    for (const thingName of thingNames) {
      const issued = await ca.issue({ commonName: thingName });
      await registry.transaction(async (w) => {
        if (!(await registry.getPolicy(policyName)))
          await w.createPolicy(policyName, defaultThingPolicy(config.region, config.accountId));
        await w.createThing(thingName);
        await w.registerCertificate(issued.certificatePem, 'ACTIVE');
        await w.attachPolicy(policyName, issued.certificateId);
        await w.attachThingPrincipal(thingName, issued.certificateId);
      });
      out.push({
        thingName,
        certificateId: issued.certificateId,
        certificatePem: issued.certificatePem,
        privateKey: issued.privateKeyPem,
      });
    }
    return out;
  }

  /**
   * CreateThing + RegisterCertificate + AttachPolicy + AttachThingPrincipal for certificates made
   * elsewhere (a fleet's devices make their own keys), the whole batch in one commit. A thing that
   * already holds its certificate is left as it is, so a repeated call changes nothing.
   */
  async registerThings(
    things: Array<{ thingName: string; certificatePem: string }>,
    policyName = DEFAULT_POLICY_NAME,
  ): Promise<Array<{ thingName: string; certificateId: string }>> {
    const { registry, config } = this.context;
    const out = things.map(({ thingName, certificatePem }) => {
      try {
        return { thingName, certificatePem, certificateId: certificateIdOf(certificatePem) };
      } catch (err) {
        throw new SimError(
          ErrorCode.CERTIFICATE_INVALID,
          `${thingName}: not a PEM certificate: ${(err as Error).message}`,
        );
      }
    });
    await registry.transaction(async (w) => {
      if (!(await registry.getPolicy(policyName)))
        await w.createPolicy(policyName, defaultThingPolicy(config.region, config.accountId));
      for (const { thingName, certificatePem, certificateId } of out) {
        const existing = await registry.getThing(thingName);
        if (existing?.principals.includes(certificateId)) continue;
        if (!existing) await w.createThing(thingName);
        if (!(await registry.getCertificate(certificateId)))
          await w.registerCertificate(certificatePem, 'ACTIVE');
        await w.attachPolicy(policyName, certificateId);
        await w.attachThingPrincipal(thingName, certificateId);
      }
    });
    return out.map(({ thingName, certificateId }) => ({ thingName, certificateId }));
  }

  /** Deletes the things and the certificates attached to them. */
  async deprovisionThings(thingNames: string[]): Promise<string[]> {
    const { registry } = this.context;
    const removed: string[] = [];
    for (const name of thingNames) {
      const gone = await registry.transaction(async (w) => {
        const thing = await registry.getThing(name);
        if (!thing) return false;
        for (const certificateId of thing.principals) {
          if (await registry.getCertificate(certificateId)) await w.deleteCertificate(certificateId);
        }
        await w.deleteThing(name);
        return true;
      });
      if (gone) removed.push(name);
    }
    return removed;
  }

  routes(): ApiRoute[] {
    const r = () => this.context.registry;
    const p = (req: ApiRequest, name: string): string => req.params[name] ?? '';
    const names = (req: ApiRequest, key: string): string[] => {
      const list = field(req.body, key, 'object');
      if (!Array.isArray(list) || !list.every((n) => typeof n === 'string')) {
        throw new SimError(ErrorCode.INVALID_ARGUMENT, `"${key}" must be an array of strings`);
      }
      return list;
    };
    const must = <T>(value: T | undefined, what: string): T => {
      if (value === undefined) throw new SimError(ErrorCode.NOT_FOUND, `${what} does not exist`);
      return value;
    };
    return [
      {
        method: 'GET',
        path: '/endpoint',
        handler: async () => ({ body: { ...this.context.config, ...this.endpointInfo() } }),
      },
      { method: 'GET', path: '/things', handler: async () => ({ body: { things: await r().listThings() } }) },
      {
        method: 'GET',
        path: '/things/:thing',
        handler: async (q) => ({ body: must(await r().getThing(p(q, 'thing')), `thing ${p(q, 'thing')}`) }),
      },
      {
        method: 'POST',
        path: '/things/:thing',
        handler: async (q) => ({
          body: await r().createThing(
            p(q, 'thing'),
            (field(q.body, 'attributes', 'object', true) as Record<string, string>) ?? {},
          ),
        }),
      },
      {
        method: 'DELETE',
        path: '/things/:thing',
        handler: async (q) => (await r().deleteThing(p(q, 'thing')), { body: {} }),
      },
      {
        method: 'PUT',
        path: '/things/:thing/principals/:certificateId',
        handler: async (q) => (
          await r().attachThingPrincipal(p(q, 'thing'), p(q, 'certificateId')),
          { body: {} }
        ),
      },
      {
        method: 'DELETE',
        path: '/things/:thing/principals/:certificateId',
        handler: async (q) => (
          await r().detachThingPrincipal(p(q, 'thing'), p(q, 'certificateId')),
          { body: {} }
        ),
      },
      {
        method: 'GET',
        path: '/certificates',
        handler: async () => ({ body: { certificates: await r().listCertificates() } }),
      },
      {
        method: 'GET',
        path: '/certificates/:certificateId',
        handler: async (q) => ({
          body: must(await r().getCertificate(p(q, 'certificateId')), `certificate ${p(q, 'certificateId')}`),
        }),
      },
      {
        method: 'POST',
        path: '/certificates',
        handler: async (q) => {
          const status =
            (field(q.body, 'status', 'string', true) as CertificateStatus | undefined) ?? 'ACTIVE';
          return {
            status: 201,
            body: await r().registerCertificate(field(q.body, 'certificatePem', 'string') as string, status),
          };
        },
      },
      {
        method: 'PATCH',
        path: '/certificates/:certificateId',
        handler: async (q) => {
          const status = field(q.body, 'status', 'string') as CertificateStatus;
          if (!STATUSES.includes(status))
            throw new SimError(ErrorCode.INVALID_ARGUMENT, `status must be one of ${STATUSES.join(', ')}`);
          return { body: await r().updateCertificate(p(q, 'certificateId'), { status }) };
        },
      },
      {
        method: 'DELETE',
        path: '/certificates/:certificateId',
        handler: async (q) => (await r().deleteCertificate(p(q, 'certificateId')), { body: {} }),
      },
      {
        method: 'POST',
        path: '/keys-and-certificate',
        handler: async (q) => {
          const commonName =
            (field(q.body, 'commonName', 'string', true) as string | undefined) ?? 'AWS IoT Certificate';
          const active = field(q.body, 'setAsActive', 'boolean', true) !== false;
          const issued = await this.context.ca.issue({ commonName });
          await r().registerCertificate(issued.certificatePem, active ? 'ACTIVE' : 'INACTIVE');
          return {
            status: 201,
            body: {
              certificateId: issued.certificateId,
              certificatePem: issued.certificatePem,
              keyPair: { PrivateKey: issued.privateKeyPem },
            },
          };
        },
      },
      {
        method: 'GET',
        path: '/policies',
        handler: async () => ({ body: { policies: await r().listPolicies() } }),
      },
      {
        method: 'GET',
        path: '/policies/:policy',
        handler: async (q) => ({
          body: must(await r().getPolicy(p(q, 'policy')), `policy ${p(q, 'policy')}`),
        }),
      },
      {
        method: 'POST',
        path: '/policies/:policy',
        handler: async (q) => {
          const doc = field(q.body, 'policyDocument', 'string', true) as string | undefined;
          const { config } = this.context;
          return {
            status: 201,
            body: await r().createPolicy(
              p(q, 'policy'),
              doc ?? defaultThingPolicy(config.region, config.accountId),
            ),
          };
        },
      },
      {
        method: 'DELETE',
        path: '/policies/:policy',
        handler: async (q) => (await r().deletePolicy(p(q, 'policy')), { body: {} }),
      },
      {
        method: 'PUT',
        path: '/policies/:policy/targets/:certificateId',
        handler: async (q) => (await r().attachPolicy(p(q, 'policy'), p(q, 'certificateId')), { body: {} }),
      },
      {
        method: 'DELETE',
        path: '/policies/:policy/targets/:certificateId',
        handler: async (q) => (await r().detachPolicy(p(q, 'policy'), p(q, 'certificateId')), { body: {} }),
      },
      { method: 'GET', path: '/cas', handler: async () => ({ body: { cas: await r().listCas() } }) },
      {
        method: 'POST',
        path: '/cas',
        handler: async (q) => ({
          status: 201,
          body: await r().registerCa(
            field(q.body, 'caCertificatePem', 'string') as string,
            field(q.body, 'provisioningTemplate', 'string', true) as string | undefined,
          ),
        }),
      },
      {
        method: 'GET',
        path: '/provisioning-templates',
        handler: async () => ({ body: { templates: await r().listTemplates() } }),
      },
      {
        method: 'POST',
        path: '/provisioning-templates/:template',
        handler: async (q) => {
          const body = field(q.body, 'templateBody', 'string') as string;
          const enabled = field(q.body, 'enabled', 'boolean', true) !== false;
          return { status: 201, body: await r().createTemplate(p(q, 'template'), body, enabled) };
        },
      },
      {
        method: 'POST',
        path: '/provision-things',
        handler: async (q) => ({
          status: 201,
          body: {
            things: await this.provisionThings(
              names(q, 'thingNames'),
              field(q.body, 'policyName', 'string', true) as string | undefined,
            ),
          },
        }),
      },
      {
        method: 'POST',
        path: '/register-things',
        handler: async (q) => {
          const list = field(q.body, 'things', 'object');
          const valid =
            Array.isArray(list) &&
            list.every(
              (t: unknown) =>
                typeof t === 'object' &&
                t !== null &&
                typeof (t as Record<string, unknown>).thingName === 'string' &&
                typeof (t as Record<string, unknown>).certificatePem === 'string',
            );
          if (!valid) {
            throw new SimError(
              ErrorCode.INVALID_ARGUMENT,
              '"things" must be an array of {"thingName": string, "certificatePem": string}',
            );
          }
          const policy = field(q.body, 'policyName', 'string', true) as string | undefined;
          return { status: 201, body: { things: await this.registerThings(list, policy) } };
        },
      },
      {
        method: 'POST',
        path: '/deprovision-things',
        handler: async (q) => ({ body: { removed: await this.deprovisionThings(names(q, 'thingNames')) } }),
      },
      {
        method: 'GET',
        path: '/events',
        handler: async (q) => {
          const limit = Number(q.query.get('limit') ?? 100);
          const type = q.query.get('type') ?? undefined;
          const clientId = q.query.get('clientId') ?? undefined;
          return {
            body: {
              events: this.context.log.recent({
                limit,
                ...(type ? { type } : {}),
                ...(clientId ? { clientId } : {}),
              }),
            },
          };
        },
      },
    ];
  }
}
