import { X509Certificate } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { EventLog } from '../event-log.js';
import { certificateIdOf } from '../pki/x509.js';
import { desiredForAssociation } from './association.js';
import type { NrfCloudBus } from './bus.js';
import type { NewDevice, NrfCloudRegistry } from './registry.js';
import type { NrfCloudShadows } from './shadows.js';
import { deviceTopics } from './topics.js';
import type { NrfCloudDevice } from './types.js';

const DISCON_GRACE_MS = 1000;

/** The message nRF Cloud sends a device it deleted (the library disconnects on it). */
export const DISCON_MESSAGE = JSON.stringify({ appId: 'DEVICE', messageType: 'DISCON' });

/**
 * Device lifecycle across the registry and the shadows: onboarding (JITP, `POST /v1/devices/{id}`,
 * bulk), association and disassociation (the shadow's desired pairing, which reaches a connected
 * device as a delta), and deletion (the DISCON message, then the connection is closed).
 */
export class NrfCloudDevices {
  constructor(
    readonly registry: NrfCloudRegistry,
    private readonly shadows: NrfCloudShadows,
    private readonly bus: NrfCloudBus,
    private readonly log: EventLog,
    private readonly prefix: string,
    private readonly clock: Clock,
  ) {}

  /** Creates the device `not_associated`, and its shadow saying so. */
  async create(input: NewDevice): Promise<NrfCloudDevice> {
    const device = await this.registry.create(input);
    await this.shadows.updateDesired(
      input.id,
      desiredForAssociation('not_associated', this.prefix, input.id),
    );
    return device;
  }

  /** `POST /v1/devices/{id}` with `{certificate}`: a certificate from any CA, checked to be one. */
  async onboard(
    id: string,
    certificatePem: unknown,
    extra: Partial<Pick<NewDevice, 'name' | 'tags'>> = {},
    by: NewDevice['onboardedBy'] = 'onboard',
  ): Promise<NrfCloudDevice> {
    if (typeof certificatePem !== 'string')
      throw new SimError(ErrorCode.INVALID_ARGUMENT, 'certificate must be a PEM string');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(certificatePem);
    } catch (err) {
      throw new SimError(
        ErrorCode.CERTIFICATE_INVALID,
        `certificate is not a PEM certificate: ${(err as Error).message}`,
      );
    }
    return this.create({
      id,
      certificateId: certificateIdOf(cert),
      certificatePem: cert.toString(),
      onboardedBy: by,
      ...extra,
    });
  }

  /** The shadow of a device created before its shadow was written (a crash between the two). */
  async ensureShadow(id: string): Promise<void> {
    if (await this.shadows.get(id)) return;
    const device = await this.registry.get(id);
    if (device)
      await this.shadows.updateDesired(id, desiredForAssociation(device.association, this.prefix, id));
  }

  async associate(id: string): Promise<NrfCloudDevice> {
    const { device, step } = await this.registry.transition(id, 'associate');
    if (step.changed || !(await this.shadows.get(id))) {
      await this.shadows.updateDesired(id, desiredForAssociation('paired', this.prefix, id));
      this.log.add({ type: 'nrfcloud-associated', clientId: id });
    }
    return device;
  }

  async disassociate(id: string): Promise<NrfCloudDevice> {
    const { device, step } = await this.registry.transition(id, 'disassociate');
    if (step.changed) {
      await this.shadows.updateDesired(id, desiredForAssociation('not_associated', this.prefix, id));
      this.log.add({ type: 'nrfcloud-disassociated', clientId: id });
    }
    return device;
  }

  /** Deletes the device: DISCON on its c2d topics, the records, then its connection. */
  async remove(id: string): Promise<void> {
    await this.registry.require(id);
    const t = deviceTopics(this.prefix, id);
    await this.bus.publish(t.c2dGeneral, DISCON_MESSAGE);
    await this.bus.publish(`${this.prefix}m/d/${id}/c2d`, DISCON_MESSAGE);
    await this.registry.remove(id);
    this.closeLater(id);
    this.log.add({ type: 'nrfcloud-deleted', clientId: id });
  }

  /**
   * The library disconnects on DISCON itself; a connection that stays (here, or on this node for a
   * device deleted through another node of a cluster) is closed a moment later.
   */
  closeLater(id: string): void {
    this.clock.setTimeout(() => this.bus.disconnect(id), DISCON_GRACE_MS).unref();
  }
}
