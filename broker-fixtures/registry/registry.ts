import { X509Certificate } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/events.js';
import { certificateIdOf } from '../pki/x509.js';
import { parsePolicyDocument } from '../policy/policy-document.js';
import type { StateStore } from '../store/store.js';
import type {
  CaRecord,
  CertificateRecord,
  CertificateStatus,
  PolicyRecord,
  ProvisioningTemplateRecord,
  ThingGroupRecord,
  ThingRecord,
} from './types.js';

export type RegistryEvents = {
  /** Something that an authorization decision may depend on changed. */
  changed: [];
  /** A thing joined (`member` true) or left a thing group; continuous jobs follow it. */
  membership: [thingGroupName: string, thingName: string, member: boolean];
};

// AWS IoT thing names: 1–128 characters of [a-zA-Z0-9:_-].
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

function notFound(what: string, name: string): SimError {
  return new SimError(ErrorCode.NOT_FOUND, `${what} ${name} does not exist`);
}

/**
 * Things, certificates, policies, CAs and provisioning templates, with their attachments. Every
 * change goes to the {@link StateStore} and bumps {@link revision}, which connection caches compare
 * to notice that a certificate was revoked or a policy changed.
 */
export class Registry extends TypedEmitter<RegistryEvents> {
  private rev = 0;

  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
  ) {
    super();
  }

  get revision(): number {
    return this.rev;
  }

  // --- things -------------------------------------------------------------------------------

  async createThing(thingName: string, attributes: Record<string, string> = {}): Promise<ThingRecord> {
    if (!THING_NAME.test(thingName)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `invalid thing name ${JSON.stringify(thingName)}: use 1-128 of [a-zA-Z0-9:_-]`,
      );
    }
    const existing = await this.getThing(thingName);
    if (existing) return existing;
    const thing: ThingRecord = {
      thingName,
      attributes,
      version: 1,
      principals: [],
      creationDate: this.clock.now(),
    };
    await this.store.put('things', thingName, thing);
    this.bump();
    return thing;
  }

  getThing(thingName: string): Promise<ThingRecord | undefined> {
    return this.store.get<ThingRecord>('things', thingName);
  }

  async listThings(): Promise<ThingRecord[]> {
    return (await this.store.list<ThingRecord>('things')).map(([, t]) => t);
  }

  async deleteThing(thingName: string): Promise<void> {
    if (!(await this.store.delete('things', thingName))) throw notFound('thing', thingName);
    for (const group of await this.thingGroupsOf(thingName))
      await this.removeThingFromThingGroup(group, thingName);
    this.bump();
  }

  async attachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    const thing = await this.getThing(thingName);
    if (!thing) throw notFound('thing', thingName);
    await this.requireCertificate(certificateId);
    if (thing.principals.includes(certificateId)) return;
    await this.store.put('things', thingName, { ...thing, principals: [...thing.principals, certificateId] });
    this.bump();
  }

  async detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    const thing = await this.getThing(thingName);
    if (!thing) throw notFound('thing', thingName);
    await this.store.put('things', thingName, {
      ...thing,
      principals: thing.principals.filter((p) => p !== certificateId),
    });
    this.bump();
  }

  // --- thing groups (static) ----------------------------------------------------------------
  // Group membership does not take part in authorization here, so it does not bump the revision.

  async createThingGroup(thingGroupName: string): Promise<ThingGroupRecord> {
    if (!THING_NAME.test(thingGroupName)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `invalid thing group name ${JSON.stringify(thingGroupName)}: use 1-128 of [a-zA-Z0-9:_-]`,
      );
    }
    const existing = await this.getThingGroup(thingGroupName);
    if (existing) return existing;
    const group: ThingGroupRecord = { thingGroupName, things: [], creationDate: this.clock.now() };
    await this.store.put('thing-groups', thingGroupName, group);
    return group;
  }

  getThingGroup(thingGroupName: string): Promise<ThingGroupRecord | undefined> {
    return this.store.get<ThingGroupRecord>('thing-groups', thingGroupName);
  }

  async listThingGroups(): Promise<ThingGroupRecord[]> {
    return (await this.store.list<ThingGroupRecord>('thing-groups')).map(([, g]) => g);
  }

  async deleteThingGroup(thingGroupName: string): Promise<void> {
    const group = await this.getThingGroup(thingGroupName);
    if (!group) throw notFound('thing group', thingGroupName);
    await this.store.delete('thing-groups', thingGroupName);
    for (const thing of group.things) this.emit('membership', thingGroupName, thing, false);
  }

  async addThingToThingGroup(thingGroupName: string, thingName: string): Promise<void> {
    const group = await this.getThingGroup(thingGroupName);
    if (!group) throw notFound('thing group', thingGroupName);
    if (!(await this.getThing(thingName))) throw notFound('thing', thingName);
    if (group.things.includes(thingName)) return;
    await this.store.put('thing-groups', thingGroupName, { ...group, things: [...group.things, thingName] });
    this.emit('membership', thingGroupName, thingName, true);
  }

  async removeThingFromThingGroup(thingGroupName: string, thingName: string): Promise<void> {
    const group = await this.getThingGroup(thingGroupName);
    if (!group) throw notFound('thing group', thingGroupName);
    if (!group.things.includes(thingName)) return;
    await this.store.put('thing-groups', thingGroupName, {
      ...group,
      things: group.things.filter((t) => t !== thingName),
    });
    this.emit('membership', thingGroupName, thingName, false);
  }

  async thingGroupsOf(thingName: string): Promise<string[]> {
    return (await this.listThingGroups())
      .filter((g) => g.things.includes(thingName))
      .map((g) => g.thingGroupName);
  }

  // --- certificates -------------------------------------------------------------------------

  /** RegisterCertificate / CreateKeysAndCertificate: records a PEM certificate. */
  async registerCertificate(
    certificatePem: string,
    status: CertificateStatus = 'ACTIVE',
    extra: Partial<Pick<CertificateRecord, 'caCertificateId' | 'ownershipToken'>> = {},
  ): Promise<CertificateRecord> {
    let certificateId: string;
    try {
      certificateId = certificateIdOf(new X509Certificate(certificatePem));
    } catch (err) {
      throw new SimError(ErrorCode.CERTIFICATE_INVALID, `not a PEM certificate: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const existing = await this.getCertificate(certificateId);
    if (existing)
      throw new SimError(ErrorCode.ALREADY_EXISTS, `certificate ${certificateId} is already registered`);
    const record: CertificateRecord = {
      certificateId,
      certificatePem,
      status,
      policies: [],
      creationDate: this.clock.now(),
      ...extra,
    };
    await this.store.put('certificates', certificateId, record);
    this.bump();
    return record;
  }

  getCertificate(certificateId: string): Promise<CertificateRecord | undefined> {
    return this.store.get<CertificateRecord>('certificates', certificateId);
  }

  async listCertificates(): Promise<CertificateRecord[]> {
    return (await this.store.list<CertificateRecord>('certificates')).map(([, c]) => c);
  }

  async updateCertificate(
    certificateId: string,
    change: Partial<Pick<CertificateRecord, 'status' | 'ownershipToken'>>,
  ): Promise<CertificateRecord> {
    const cert = await this.requireCertificate(certificateId);
    const next: CertificateRecord = { ...cert, ...change };
    if ('ownershipToken' in change && change.ownershipToken === undefined) delete next.ownershipToken;
    await this.store.put('certificates', certificateId, next);
    this.bump();
    return next;
  }

  /** DeleteCertificate: also detaches it from every thing. */
  async deleteCertificate(certificateId: string): Promise<void> {
    await this.requireCertificate(certificateId);
    for (const thing of await this.listThings()) {
      if (thing.principals.includes(certificateId))
        await this.detachThingPrincipal(thing.thingName, certificateId);
    }
    await this.store.delete('certificates', certificateId);
    this.bump();
  }

  async thingsOfCertificate(certificateId: string): Promise<string[]> {
    return (await this.listThings())
      .filter((t) => t.principals.includes(certificateId))
      .map((t) => t.thingName);
  }

  // --- policies -----------------------------------------------------------------------------

  async createPolicy(policyName: string, policyDocument: string): Promise<PolicyRecord> {
    if (!POLICY_NAME.test(policyName)) {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `invalid policy name ${JSON.stringify(policyName)}`);
    }
    parsePolicyDocument(policyDocument);
    const existing = await this.getPolicy(policyName);
    const record: PolicyRecord = {
      policyName,
      policyDocument,
      creationDate: existing?.creationDate ?? this.clock.now(),
    };
    await this.store.put('policies', policyName, record);
    this.bump();
    return record;
  }

  getPolicy(policyName: string): Promise<PolicyRecord | undefined> {
    return this.store.get<PolicyRecord>('policies', policyName);
  }

  async listPolicies(): Promise<PolicyRecord[]> {
    return (await this.store.list<PolicyRecord>('policies')).map(([, p]) => p);
  }

  async deletePolicy(policyName: string): Promise<void> {
    if (!(await this.store.delete('policies', policyName))) throw notFound('policy', policyName);
    this.bump();
  }

  async attachPolicy(policyName: string, certificateId: string): Promise<void> {
    if (!(await this.getPolicy(policyName))) throw notFound('policy', policyName);
    const cert = await this.requireCertificate(certificateId);
    if (cert.policies.includes(policyName)) return;
    await this.store.put('certificates', certificateId, {
      ...cert,
      policies: [...cert.policies, policyName],
    });
    this.bump();
  }

  async detachPolicy(policyName: string, certificateId: string): Promise<void> {
    const cert = await this.requireCertificate(certificateId);
    await this.store.put('certificates', certificateId, {
      ...cert,
      policies: cert.policies.filter((p) => p !== policyName),
    });
    this.bump();
  }

  // --- CAs and provisioning templates -------------------------------------------------------

  /** RegisterCACertificate, optionally with a JITP provisioning template. */
  async registerCa(caCertificatePem: string, provisioningTemplate?: string): Promise<CaRecord> {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(caCertificatePem);
    } catch (err) {
      throw new SimError(
        ErrorCode.CERTIFICATE_INVALID,
        `not a PEM CA certificate: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (!cert.ca)
      throw new SimError(
        ErrorCode.CERTIFICATE_INVALID,
        'the certificate is not a CA certificate (basicConstraints CA:FALSE)',
      );
    if (provisioningTemplate !== undefined && !(await this.getTemplate(provisioningTemplate))) {
      throw notFound('provisioning template', provisioningTemplate);
    }
    const record: CaRecord = {
      caCertificateId: certificateIdOf(cert),
      caCertificatePem,
      status: 'ACTIVE',
      ...(provisioningTemplate !== undefined ? { provisioningTemplate } : {}),
      creationDate: this.clock.now(),
    };
    await this.store.put('cas', record.caCertificateId, record);
    this.bump();
    return record;
  }

  async listCas(): Promise<CaRecord[]> {
    return (await this.store.list<CaRecord>('cas')).map(([, c]) => c);
  }

  async createTemplate(
    templateName: string,
    templateBody: string,
    enabled = true,
  ): Promise<ProvisioningTemplateRecord> {
    try {
      JSON.parse(templateBody);
    } catch (err) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `template ${templateName} is not valid JSON: ${(err as Error).message}`,
      );
    }
    const record: ProvisioningTemplateRecord = {
      templateName,
      templateBody,
      enabled,
      creationDate: this.clock.now(),
    };
    await this.store.put('templates', templateName, record);
    this.bump();
    return record;
  }

  getTemplate(templateName: string): Promise<ProvisioningTemplateRecord | undefined> {
    return this.store.get<ProvisioningTemplateRecord>('templates', templateName);
  }

  async listTemplates(): Promise<ProvisioningTemplateRecord[]> {
    return (await this.store.list<ProvisioningTemplateRecord>('templates')).map(([, t]) => t);
  }

  private async requireCertificate(certificateId: string): Promise<CertificateRecord> {
    const cert = await this.getCertificate(certificateId);
    if (!cert) throw notFound('certificate', certificateId);
    return cert;
  }

  private bump(): void {
    this.rev++;
    this.emit('changed');
  }
}
