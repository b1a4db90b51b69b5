import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/events.js';
import { KeyedQueue } from '../services/shadow/keyed-queue.js';
import type { StateStore } from '../store/store.js';
import { RegistryWriter } from './registry-writer.js';
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

const AUTHORIZATION_INPUTS = new Set(['things', 'certificates', 'policies', 'cas', 'templates']);
/** Conflicting writes in a row (other broker nodes) before a transaction fails. */
const MAX_ATTEMPTS = 50;

/**
 * Things, certificates, policies, CAs and provisioning templates, with their attachments. Changes
 * go through {@link transaction}: one at a time, each one atomic commit to the {@link StateStore},
 * resolved once durable. A change bumps {@link revision}, which connection caches compare to notice
 * that a certificate was revoked or a policy changed.
 */
export class Registry extends TypedEmitter<RegistryEvents> {
  private rev = 0;
  private readonly serial = new KeyedQueue();

  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
  ) {
    super();
    // Another broker node changed a certificate or policy: connection caches must look again.
    this.unwatch = store.watch((changes) => {
      if (changes.some((c) => AUTHORIZATION_INPUTS.has(c.collection))) this.bump();
    });
  }

  private readonly unwatch: () => void;

  /** Stops following other nodes' changes (the store is closing). */
  close(): void {
    this.unwatch();
  }

  get revision(): number {
    return this.rev;
  }

  /**
   * Runs `work` against a {@link RegistryWriter} and commits everything it changed at once; resolves
   * with its result once that is durable. Transactions run one after another, so none reads a record
   * another is about to replace; the next starts while the previous one's commit is being written.
   */
  async transaction<T>(work: (writer: RegistryWriter) => Promise<T>): Promise<T> {
    const { result, durable, writer } = await this.serial
      .run('registry', async () => {
        for (let attempt = 1; ; attempt++) {
          const writer = new RegistryWriter(this.store, this.clock);
          const result = await work(writer);
          const changes = writer.changes;
          if (!changes.length) return { box: { result, durable: Promise.resolve(), writer } };
          // On a shared store another broker node may have changed what `work` read: run it again.
          const { applied, durable } = this.store.commitIf(writer.expectations, changes);
          if (!(await applied.catch(() => true))) {
            if (attempt >= MAX_ATTEMPTS) {
              throw new SimError(
                ErrorCode.INVALID_STATE,
                `registry: ${MAX_ATTEMPTS} conflicting writes in a row`,
              );
            }
            continue;
          }
          if (changes.some((c) => AUTHORIZATION_INPUTS.has(c.collection))) this.bump();
          return { box: { result, durable, writer } };
        }
      })
      .then(({ box }) => box);
    await durable;
    for (const m of writer.membership) this.emit('membership', m.thingGroupName, m.thingName, m.member);
    return result;
  }

  // --- reads --------------------------------------------------------------------------------

  getThing(thingName: string): Promise<ThingRecord | undefined> {
    return this.store.get<ThingRecord>('things', thingName);
  }

  async listThings(): Promise<ThingRecord[]> {
    return (await this.store.list<ThingRecord>('things')).map(([, t]) => t);
  }

  getThingGroup(thingGroupName: string): Promise<ThingGroupRecord | undefined> {
    return this.store.get<ThingGroupRecord>('thing-groups', thingGroupName);
  }

  async listThingGroups(): Promise<ThingGroupRecord[]> {
    return (await this.store.list<ThingGroupRecord>('thing-groups')).map(([, g]) => g);
  }

  async thingGroupsOf(thingName: string): Promise<string[]> {
    return (await this.listThingGroups())
      .filter((g) => g.things.includes(thingName))
      .map((g) => g.thingGroupName);
  }

  getCertificate(certificateId: string): Promise<CertificateRecord | undefined> {
    return this.store.get<CertificateRecord>('certificates', certificateId);
  }

  async listCertificates(): Promise<CertificateRecord[]> {
    return (await this.store.list<CertificateRecord>('certificates')).map(([, c]) => c);
  }

  async thingsOfCertificate(certificateId: string): Promise<string[]> {
    return (await this.listThings())
      .filter((t) => t.principals.includes(certificateId))
      .map((t) => t.thingName);
  }

  getPolicy(policyName: string): Promise<PolicyRecord | undefined> {
    return this.store.get<PolicyRecord>('policies', policyName);
  }

  async listPolicies(): Promise<PolicyRecord[]> {
    return (await this.store.list<PolicyRecord>('policies')).map(([, p]) => p);
  }

  async listCas(): Promise<CaRecord[]> {
    return (await this.store.list<CaRecord>('cas')).map(([, c]) => c);
  }

  getTemplate(templateName: string): Promise<ProvisioningTemplateRecord | undefined> {
    return this.store.get<ProvisioningTemplateRecord>('templates', templateName);
  }

  async listTemplates(): Promise<ProvisioningTemplateRecord[]> {
    return (await this.store.list<ProvisioningTemplateRecord>('templates')).map(([, t]) => t);
  }

  // --- single changes (each its own transaction) ----------------------------------------------

  createThing(thingName: string, attributes: Record<string, string> = {}): Promise<ThingRecord> {
    return this.transaction((w) => w.createThing(thingName, attributes));
  }

  updateThing(
    thingName: string,
    change: { attributes?: Record<string, string>; merge?: boolean; expectedVersion?: number },
  ): Promise<ThingRecord> {
    return this.transaction((w) => w.updateThing(thingName, change));
  }

  deleteThing(thingName: string, expectedVersion?: number): Promise<void> {
    return this.transaction((w) => w.deleteThing(thingName, expectedVersion));
  }

  attachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    return this.transaction((w) => w.attachThingPrincipal(thingName, certificateId));
  }

  detachThingPrincipal(thingName: string, certificateId: string): Promise<void> {
    return this.transaction((w) => w.detachThingPrincipal(thingName, certificateId));
  }

  createThingGroup(thingGroupName: string): Promise<ThingGroupRecord> {
    return this.transaction((w) => w.createThingGroup(thingGroupName));
  }

  deleteThingGroup(thingGroupName: string): Promise<void> {
    return this.transaction((w) => w.deleteThingGroup(thingGroupName));
  }

  addThingToThingGroup(thingGroupName: string, thingName: string): Promise<void> {
    return this.transaction((w) => w.addThingToThingGroup(thingGroupName, thingName));
  }

  removeThingFromThingGroup(thingGroupName: string, thingName: string): Promise<void> {
    return this.transaction((w) => w.removeThingFromThingGroup(thingGroupName, thingName));
  }

  registerCertificate(
    certificatePem: string,
    status: CertificateStatus = 'ACTIVE',
    extra: Partial<Pick<CertificateRecord, 'caCertificateId' | 'ownershipToken'>> = {},
  ): Promise<CertificateRecord> {
    return this.transaction((w) => w.registerCertificate(certificatePem, status, extra));
  }

  updateCertificate(
    certificateId: string,
    change: Partial<Pick<CertificateRecord, 'status' | 'ownershipToken'>>,
  ): Promise<CertificateRecord> {
    return this.transaction((w) => w.updateCertificate(certificateId, change));
  }

  deleteCertificate(certificateId: string): Promise<void> {
    return this.transaction((w) => w.deleteCertificate(certificateId));
  }

  createPolicy(policyName: string, policyDocument: string): Promise<PolicyRecord> {
    return this.transaction((w) => w.createPolicy(policyName, policyDocument));
  }

  deletePolicy(policyName: string): Promise<void> {
    return this.transaction((w) => w.deletePolicy(policyName));
  }

  attachPolicy(policyName: string, certificateId: string): Promise<void> {
    return this.transaction((w) => w.attachPolicy(policyName, certificateId));
  }

  detachPolicy(policyName: string, certificateId: string): Promise<void> {
    return this.transaction((w) => w.detachPolicy(policyName, certificateId));
  }

  registerCa(caCertificatePem: string, provisioningTemplate?: string): Promise<CaRecord> {
    return this.transaction((w) => w.registerCa(caCertificatePem, provisioningTemplate));
  }

  createTemplate(
    templateName: string,
    templateBody: string,
    enabled = true,
  ): Promise<ProvisioningTemplateRecord> {
    return this.transaction((w) => w.createTemplate(templateName, templateBody, enabled));
  }

  private bump(): void {
    this.rev++;
    this.emit('changed');
  }
}
