import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { ExternalChange, StateStore } from '../store/store.js';
import { commitChecked, type CheckedAttempt } from './checked-commit.js';
import { associationTransition, type AssociationEvent, type AssociationStep } from './association.js';
import type { NrfCloudDevice } from './types.js';

/** nRF Cloud device ids: 1-64 of letters, digits, `-`, `_`, `.` and `:` (client ids, `NRF_CLOUD_CLIENT_ID_MAX_LEN`). */
export const DEVICE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export function checkDeviceId(id: string): void {
  if (!DEVICE_ID.test(id)) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `${JSON.stringify(id)} is not a device id (1-64 of letters, digits, "-", "_", "." and ":")`,
    );
  }
}

export interface NewDevice {
  id: string;
  certificateId?: string;
  certificatePem?: string;
  onboardedBy: NrfCloudDevice['onboardedBy'];
  name?: string;
  tags?: string[];
}

/** The team's devices, in the store (`nrfcloud-devices`), with the association state machine. */
export class NrfCloudRegistry {
  /** certificate id → device id, for the connection gate. */
  private readonly byCertificate = new Map<string, string>();

  private constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
  ) {}

  static async open(store: StateStore, clock: Clock): Promise<NrfCloudRegistry> {
    const registry = new NrfCloudRegistry(store, clock);
    for (const [, device] of await store.list<NrfCloudDevice>('nrfcloud-devices'))
      if (device.certificateId) registry.byCertificate.set(device.certificateId, device.id);
    return registry;
  }

  get(id: string): Promise<NrfCloudDevice | undefined> {
    return this.store.get<NrfCloudDevice>('nrfcloud-devices', id);
  }

  async require(id: string): Promise<NrfCloudDevice> {
    const device = await this.get(id);
    if (!device) throw new SimError(ErrorCode.NOT_FOUND, `no device ${id} in this team`);
    return device;
  }

  async list(): Promise<NrfCloudDevice[]> {
    return (await this.store.list<NrfCloudDevice>('nrfcloud-devices')).map(([, d]) => d);
  }

  /**
   * The device a certificate belongs to, checked against the store: with a shared store (a broker
   * cluster) another node may have onboarded or deleted it since this one loaded.
   */
  async deviceOfCertificate(certificateId: string): Promise<string | undefined> {
    const known = this.byCertificate.get(certificateId);
    if (known !== undefined) {
      if ((await this.get(known))?.certificateId === certificateId) return known;
      this.byCertificate.delete(certificateId);
    }
    for (const [, device] of await this.store.list<NrfCloudDevice>('nrfcloud-devices'))
      if (device.certificateId === certificateId) this.byCertificate.set(certificateId, device.id);
    return this.byCertificate.get(certificateId);
  }

  /**
   * Follows what other broker nodes change (a shared store): the certificate index drops what it
   * knew of a changed device and learns it again from the store.
   */
  async changedElsewhere(changes: readonly ExternalChange[]): Promise<void> {
    const ids = new Set(changes.filter((c) => c.collection === 'nrfcloud-devices').map((c) => c.key));
    if (ids.size === 0) return;
    for (const [certificateId, id] of [...this.byCertificate])
      if (ids.has(id)) this.byCertificate.delete(certificateId);
    for (const id of ids) {
      const device = await this.get(id);
      if (device?.certificateId) this.byCertificate.set(device.certificateId, id);
    }
  }

  /** Adds a device, `not_associated`; ALREADY_EXISTS when the id or the certificate is taken. */
  async create(input: NewDevice): Promise<NrfCloudDevice> {
    checkDeviceId(input.id);
    if (await this.get(input.id))
      throw new SimError(ErrorCode.ALREADY_EXISTS, `device ${input.id} already exists`);
    const owner = input.certificateId ? await this.deviceOfCertificate(input.certificateId) : undefined;
    if (owner !== undefined) {
      throw new SimError(ErrorCode.ALREADY_EXISTS, `the certificate is already that of device ${owner}`);
    }
    const now = this.clock.now();
    const device: NrfCloudDevice = {
      id: input.id,
      name: input.name ?? input.id,
      type: 'Generic',
      tags: input.tags ?? [],
      association: 'not_associated',
      ...(input.certificateId ? { certificateId: input.certificateId } : {}),
      ...(input.certificatePem ? { certificatePem: input.certificatePem } : {}),
      onboardedBy: input.onboardedBy,
      createdAt: now,
      lastUpdatedAt: now,
    };
    // Another node onboarding the same id at the same moment: one of the two wins.
    const commit = this.store.commitIf(
      [{ collection: 'nrfcloud-devices', key: input.id, value: undefined }],
      [{ collection: 'nrfcloud-devices', key: input.id, value: device }],
    );
    if (!(await commit.applied))
      throw new SimError(ErrorCode.ALREADY_EXISTS, `device ${input.id} already exists`);
    if (input.certificateId) this.byCertificate.set(input.certificateId, input.id);
    await commit.durable;
    return device;
  }

  async transition(
    id: string,
    event: AssociationEvent,
  ): Promise<{ device: NrfCloudDevice; step: AssociationStep }> {
    return commitChecked(this.store, `device ${id}`, async () => {
      const current = await this.require(id);
      const step = associationTransition(current.association, event);
      if (!step.changed) return { expect: [], changes: [], result: { device: current, step } };
      const device = { ...current, association: step.state, lastUpdatedAt: this.clock.now() };
      return this.replacing(current, device, { device, step });
    });
  }

  async update(id: string, patch: Partial<Pick<NrfCloudDevice, 'name' | 'tags'>>): Promise<NrfCloudDevice> {
    return commitChecked(this.store, `device ${id}`, async () => {
      const current = await this.require(id);
      const device = { ...current, ...patch, lastUpdatedAt: this.clock.now() };
      return this.replacing(current, device, device);
    });
  }

  private replacing<T>(current: NrfCloudDevice, device: NrfCloudDevice, result: T): CheckedAttempt<T> {
    return {
      expect: [{ collection: 'nrfcloud-devices', key: current.id, value: current }],
      changes: [{ collection: 'nrfcloud-devices', key: current.id, value: device }],
      result,
    };
  }

  /** Removes the device and its shadow in one commit; false when there was none. */
  async remove(id: string): Promise<boolean> {
    const device = await this.get(id);
    if (!device) return false;
    const changes: Array<{
      collection: 'nrfcloud-devices' | 'nrfcloud-shadows';
      key: string;
      deleted: true;
    }> = [{ collection: 'nrfcloud-devices', key: id, deleted: true }];
    if (await this.store.get('nrfcloud-shadows', id))
      changes.push({ collection: 'nrfcloud-shadows', key: id, deleted: true });
    if (device.certificateId) this.byCertificate.delete(device.certificateId);
    await this.store.commit(changes);
    return true;
  }
}
