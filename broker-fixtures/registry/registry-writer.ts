import { X509Certificate } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { nestingDepth, MAX_JSON_DEPTH } from '../json/safe-json.js';
import { certificateIdOf } from '../pki/x509.js';
import { parsePolicyDocument } from '../policy/policy-document.js';
import type { Collection, StateChange, StateExpectation, StateStore } from '../store/store.js';
import type {
  CaRecord,
  CertificateRecord,
  CertificateStatus,
  PolicyRecord,
  ProvisioningTemplateRecord,
  ThingGroupRecord,
  ThingRecord,
} from './types.js';

// AWS IoT thing names: 1–128 characters of [a-zA-Z0-9:_-].
export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;

export function notFound(what: string, name: string): SimError {
  return new SimError(ErrorCode.NOT_FOUND, `${what} ${name} does not exist`);
}

function checkVersion(thing: ThingRecord, expectedVersion: number | undefined): void {
  if (expectedVersion !== undefined && thing.version !== expectedVersion) {
    throw new SimError(
      ErrorCode.INVALID_STATE,
      `thing ${thing.thingName} is at version ${thing.version}, not the expected ${expectedVersion}`,
    );
  }
}

/** A thing joining (`member` true) or leaving a thing group. */
export interface MembershipChange {
  thingGroupName: string;
  thingName: string;
  member: boolean;
}

/**
 * The registry's changes within one transaction: reads see the store with this transaction's own
 * changes on top, and nothing reaches the store until {@link Registry.transaction} commits them all
 * in one atomic commit. So a thing, its certificate and their attachments are on disk together or
 * not at all, and no reference (thing → certificate → policy) can dangle after a crash.
 */
export class RegistryWriter {
  private readonly pending = new Map<string, StateChange>();
  /** Every record read from the store, as read: the commit holds only if they are unchanged. */
  private readonly reads = new Map<string, StateExpectation>();
  /** Group membership changes, announced once the commit is durable. */
  readonly membership: MembershipChange[] = [];

  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
  ) {}

  /** The records this transaction's decisions rest on, for {@link StateStore.commitIf}. */
  get expectations(): StateExpectation[] {
    return [...this.reads.values()];
  }

  private noteRead(collection: Collection, key: string, value: unknown): void {
    const id = `${collection}\0${key}`;
    if (!this.reads.has(id)) this.reads.set(id, { collection, key, value });
  }

  /** What to commit, in the order first touched. */
  get changes(): StateChange[] {
    return [...this.pending.values()];
  }

  private async read<T>(collection: Collection, key: string): Promise<T | undefined> {
    const change = this.pending.get(`${collection}\0${key}`);
    if (change) return 'deleted' in change ? undefined : (change.value as T);
    const value = await this.store.get<T>(collection, key);
    this.noteRead(collection, key, value);
    return value;
  }

  private async all<T>(collection: Collection): Promise<T[]> {
    const listed = await this.store.list<T>(collection);
    for (const [k, v] of listed) this.noteRead(collection, k, v);
    const out = new Map(listed);
    for (const change of this.pending.values()) {
      if (change.collection !== collection) continue;
      if ('deleted' in change) out.delete(change.key);
      else out.set(change.key, change.value as T);
    }
    return [...out.values()];
  }

  private write(collection: Collection, key: string, value: unknown): void {
    const id = `${collection}\0${key}`;
    this.pending.delete(id);
    this.pending.set(id, { collection, key, value });
  }

  private remove(collection: Collection, key: string): void {
    const id = `${collection}\0${key}`;
    this.pending.delete(id);
    this.pending.set(id, { collection, key, deleted: true });
  }

  private async requireThing(thingName: string): Promise<ThingRecord> {
    const thing = await this.read<ThingRecord>('things', thingName);
    if (!thing) throw notFound('thing', thingName);
    return thing;
  }

  private async requireCertificate(certificateId: string): Promise<CertificateRecord> {
    const cert = await this.read<CertificateRecord>('certificates', certificateId);
    if (!cert) throw notFound('certificate', certificateId);
    return cert;
  }

  private async requireGroup(thingGroupName: string): Promise<ThingGroupRecord> {
    const group = await this.read<ThingGroupRecord>('thing-groups', thingGroupName);
    if (!group) throw notFound('thing group', thingGroupName);
    return group;
  }

  // --- things -------------------------------------------------------------------------------

  async createThing(thingName: string, attributes: Record<string, string> = {}): Promise<ThingRecord> {
    if (!THING_NAME.test(thingName)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `invalid thing name ${JSON.stringify(thingName)}: use 1-128 of [a-zA-Z0-9:_-]`,
      );
    }
    const existing = await this.read<ThingRecord>('things', thingName);
    if (existing) return existing;
    const thing: ThingRecord = {
      thingName,
      attributes,
      version: 1,
      principals: [],
      creationDate: this.clock.now(),
    };
    this.write('things', thingName, thing);
    return thing;
  }

  /**
   * UpdateThing: replaces the attributes, or merges them (`merge`, where an empty value removes one);
   * bumps the version. With `expectedVersion`, another version is refused (INVALID_STATE).
   */
  async updateThing(
    thingName: string,
    change: { attributes?: Record<string, string>; merge?: boolean; expectedVersion?: number },
  ): Promise<ThingRecord> {
    const thing = await this.requireThing(thingName);
    checkVersion(thing, change.expectedVersion);
    let attributes = thing.attributes;
    if (change.attributes) {
      attributes = change.merge ? { ...thing.attributes, ...change.attributes } : { ...change.attributes };
      for (const [k, v] of Object.entries(attributes)) if (v === '') delete attributes[k];
    }
    const next: ThingRecord = { ...thing, attributes, version: thing.version + 1 };
    this.write('things', thingName, next);
    return next;
  }

  /** DeleteThing: also leaves every thing group. */
  async deleteThing(thingName: string, expectedVersion?: number): Promise<void> {
    checkVersion(await this.requireThing(thingName), expectedVersion);
    this.remove('things', thingName);
    for (const group of await this.all<ThingGroupRecord>('thing-groups')) {
      if (group.things.includes(thingName))
        await this.removeThingFromThingGroup(group.thingGroupName, thingName);
    }
  }

  async attachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    const thing = await this.requireThing(thingName);
    await this.requireCertificate(certificateId);
    if (thing.principals.includes(certificateId)) return;
    this.write('things', thingName, { ...thing, principals: [...thing.principals, certificateId] });
  }

  async detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    const thing = await this.requireThing(thingName);
    this.write('things', thingName, {
      ...thing,
      principals: thing.principals.filter((p) => p !== certificateId),
    });
  }

  // --- thing groups (static) ----------------------------------------------------------------

  async createThingGroup(thingGroupName: string): Promise<ThingGroupRecord> {
    if (!THING_NAME.test(thingGroupName)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `invalid thing group name ${JSON.stringify(thingGroupName)}: use 1-128 of [a-zA-Z0-9:_-]`,
      );
    }
    const existing = await this.read<ThingGroupRecord>('thing-groups', thingGroupName);
    if (existing) return existing;
    const group: ThingGroupRecord = { thingGroupName, things: [], creationDate: this.clock.now() };
    this.write('thing-groups', thingGroupName, group);
    return group;
  }

  async deleteThingGroup(thingGroupName: string): Promise<void> {
    const group = await this.requireGroup(thingGroupName);
    this.remove('thing-groups', thingGroupName);
    for (const thingName of group.things) this.membership.push({ thingGroupName, thingName, member: false });
  }

  async addThingToThingGroup(thingGroupName: string, thingName: string): Promise<void> {
    const group = await this.requireGroup(thingGroupName);
    await this.requireThing(thingName);
    if (group.things.includes(thingName)) return;
    this.write('thing-groups', thingGroupName, { ...group, things: [...group.things, thingName] });
    this.membership.push({ thingGroupName, thingName, member: true });
  }

  async removeThingFromThingGroup(thingGroupName: string, thingName: string): Promise<void> {
    const group = await this.requireGroup(thingGroupName);
    if (!group.things.includes(thingName)) return;
    this.write('thing-groups', thingGroupName, {
      ...group,
      things: group.things.filter((t) => t !== thingName),
    });
    this.membership.push({ thingGroupName, thingName, member: false });
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
    if (await this.read('certificates', certificateId))
      throw new SimError(ErrorCode.ALREADY_EXISTS, `certificate ${certificateId} is already registered`);
    if (extra.caCertificateId !== undefined && !(await this.read('cas', extra.caCertificateId)))
      throw notFound('CA', extra.caCertificateId);
    const record: CertificateRecord = {
      certificateId,
      certificatePem,
      status,
      policies: [],
      creationDate: this.clock.now(),
      ...extra,
    };
    this.write('certificates', certificateId, record);
    return record;
  }

  async updateCertificate(
    certificateId: string,
    change: Partial<Pick<CertificateRecord, 'status' | 'ownershipToken'>>,
  ): Promise<CertificateRecord> {
    const cert = await this.requireCertificate(certificateId);
    const next: CertificateRecord = { ...cert, ...change };
    if ('ownershipToken' in change && change.ownershipToken === undefined) delete next.ownershipToken;
    this.write('certificates', certificateId, next);
    return next;
  }

  /** DeleteCertificate: also detaches it from every thing. */
  async deleteCertificate(certificateId: string): Promise<void> {
    await this.requireCertificate(certificateId);
    for (const thing of await this.all<ThingRecord>('things')) {
      if (thing.principals.includes(certificateId))
        await this.detachThingPrincipal(thing.thingName, certificateId);
    }
    this.remove('certificates', certificateId);
  }

  // --- policies -----------------------------------------------------------------------------

  async createPolicy(policyName: string, policyDocument: string): Promise<PolicyRecord> {
    if (!POLICY_NAME.test(policyName)) {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `invalid policy name ${JSON.stringify(policyName)}`);
    }
    parsePolicyDocument(policyDocument);
    const existing = await this.read<PolicyRecord>('policies', policyName);
    const record: PolicyRecord = {
      policyName,
      policyDocument,
      creationDate: existing?.creationDate ?? this.clock.now(),
    };
    this.write('policies', policyName, record);
    return record;
  }

  /** DeletePolicy: AWS refuses while the policy is attached (DeleteConflictException). */
  async deletePolicy(policyName: string): Promise<void> {
    if (!(await this.read('policies', policyName))) throw notFound('policy', policyName);
    const holder = (await this.all<CertificateRecord>('certificates')).find((c) =>
      c.policies.includes(policyName),
    );
    if (holder) {
      throw new SimError(
        ErrorCode.INVALID_STATE,
        `policy ${policyName} is attached to certificate ${holder.certificateId}; detach it first`,
      );
    }
    this.remove('policies', policyName);
  }

  async attachPolicy(policyName: string, certificateId: string): Promise<void> {
    if (!(await this.read('policies', policyName))) throw notFound('policy', policyName);
    const cert = await this.requireCertificate(certificateId);
    if (cert.policies.includes(policyName)) return;
    this.write('certificates', certificateId, { ...cert, policies: [...cert.policies, policyName] });
  }

  async detachPolicy(policyName: string, certificateId: string): Promise<void> {
    const cert = await this.requireCertificate(certificateId);
    this.write('certificates', certificateId, {
      ...cert,
      policies: cert.policies.filter((p) => p !== policyName),
    });
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
        {
          cause: err,
        },
      );
    }
    if (!cert.ca)
      throw new SimError(
        ErrorCode.CERTIFICATE_INVALID,
        'the certificate is not a CA certificate (basicConstraints CA:FALSE)',
      );
    if (provisioningTemplate !== undefined && !(await this.read('templates', provisioningTemplate))) {
      throw notFound('provisioning template', provisioningTemplate);
    }
    const record: CaRecord = {
      caCertificateId: certificateIdOf(cert),
      caCertificatePem,
      status: 'ACTIVE',
      ...(provisioningTemplate !== undefined ? { provisioningTemplate } : {}),
      creationDate: this.clock.now(),
    };
    this.write('cas', record.caCertificateId, record);
    return record;
  }

  async createTemplate(
    templateName: string,
    templateBody: string,
    enabled = true,
  ): Promise<ProvisioningTemplateRecord> {
    // Templates are evaluated by a recursive walk: a body nested without bound is refused here.
    let problem: string | undefined;
    if (nestingDepth(templateBody, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
      problem = `nested deeper than ${MAX_JSON_DEPTH} levels`;
    else {
      try {
        JSON.parse(templateBody);
      } catch (err) {
        problem = (err as Error).message;
      }
    }
    if (problem) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `template ${templateName} is not valid JSON: ${problem}`,
      );
    }
    const record: ProvisioningTemplateRecord = {
      templateName,
      templateBody,
      enabled,
      creationDate: this.clock.now(),
    };
    this.write('templates', templateName, record);
    return record;
  }
}
