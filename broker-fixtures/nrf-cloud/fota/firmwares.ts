import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../../core/clock.js';
import { writeFileAtomic } from '../../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../../core/errors.js';
import type { Random } from '../../../core/random.js';
import type { SharedFiles } from '../../cluster/redis-cluster.js';
import type { StateStore } from '../../store/store.js';
import { uuidFrom } from '../account.js';
import type { NrfCloudFirmware } from '../types.js';
import { readBundle } from './bundle-zip.js';

/**
 * Firmware bundles: the image of an uploaded ZIP is written (atomically) to
 * `<stateDir>/nrf-cloud/firmwares/<bundleId>/<file>`, then its record goes in `nrfcloud-firmwares`,
 * so a bundle the API acknowledged is on disk with its image.
 */
export class NrfCloudFirmwares {
  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly dir: string,
    /** On a cluster node: where images go for the other nodes (each keeps a copy under `dir`). */
    private readonly shared?: SharedFiles,
  ) {}

  private static sharedName(firmware: NrfCloudFirmware): string {
    return `nrfcloud-firmware:${firmware.bundleId}/${firmware.file}`;
  }

  imagePath(firmware: NrfCloudFirmware): string {
    return path.join(this.dir, firmware.bundleId, firmware.file);
  }

  /** The download path of a bundle's image (`https://<host>/<path>`). */
  static downloadPath(firmware: NrfCloudFirmware): string {
    return `v1/firmwares/${firmware.bundleId}/${encodeURIComponent(firmware.file)}`;
  }

  async upload(zip: Buffer): Promise<NrfCloudFirmware> {
    const bundle = readBundle(zip);
    const bundleId = `${bundle.type}*${uuidFrom(this.random).slice(0, 8)}*${bundle.version.replace(/[^A-Za-z0-9._-]/g, '_')}`;
    const firmware: NrfCloudFirmware = {
      bundleId,
      name: bundle.name,
      ...(bundle.description ? { description: bundle.description } : {}),
      version: bundle.version,
      type: bundle.type,
      file: bundle.file,
      size: bundle.image.length,
      sha256: createHash('sha256').update(bundle.image).digest('hex'),
      uploadedAt: this.clock.now(),
    };
    await writeFileAtomic(this.imagePath(firmware), bundle.image);
    await this.shared?.put(NrfCloudFirmwares.sharedName(firmware), bundle.image);
    await this.store.put('nrfcloud-firmwares', bundleId, firmware);
    return firmware;
  }

  get(bundleId: string): Promise<NrfCloudFirmware | undefined> {
    return this.store.get<NrfCloudFirmware>('nrfcloud-firmwares', bundleId);
  }

  async require(bundleId: string): Promise<NrfCloudFirmware> {
    const f = await this.get(bundleId);
    if (!f) throw new SimError(ErrorCode.NOT_FOUND, `no firmware bundle ${bundleId}`);
    return f;
  }

  async list(): Promise<NrfCloudFirmware[]> {
    return (await this.store.list<NrfCloudFirmware>('nrfcloud-firmwares')).map(([, f]) => f);
  }

  async remove(bundleId: string): Promise<void> {
    const firmware = await this.require(bundleId);
    await this.store.delete('nrfcloud-firmwares', bundleId);
    await fs.rm(path.dirname(this.imagePath(firmware)), { recursive: true, force: true });
    await this.shared?.delete(NrfCloudFirmwares.sharedName(firmware));
  }

  /** The image of a stored bundle, for the download server; undefined when there is none. */
  async image(bundleId: string, file: string): Promise<Buffer | undefined> {
    const firmware = await this.get(bundleId);
    if (!firmware || firmware.file !== file) return undefined;
    try {
      return await fs.readFile(this.imagePath(firmware));
    } catch {
      return this.fetchShared(firmware);
    }
  }

  /** A bundle uploaded through another cluster node: its image from Redis, checked, kept here too. */
  private async fetchShared(firmware: NrfCloudFirmware): Promise<Buffer | undefined> {
    const image = await this.shared?.get(NrfCloudFirmwares.sharedName(firmware));
    if (!image || createHash('sha256').update(image).digest('hex') !== firmware.sha256) return undefined;
    await writeFileAtomic(this.imagePath(firmware), image);
    return image;
  }
}
