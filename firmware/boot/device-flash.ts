import path from 'node:path';
import { ErrorCode, SimError } from '../../core/errors.js';
import { loadVerifyKey, type KeyInput } from '../image/keys.js';
import { parseImage } from '../image/parse.js';
import { Bootloader } from './bootloader.js';
import {
  DirectoryFlashStorage,
  FlashArea,
  MemoryFlashStorage,
  PowerFaults,
  type FlashStorage,
} from './flash.js';
import { ImageControl } from './image-control.js';
import { checkLayout, maxImageSize, NRF9160_FLASH_LAYOUT, type FlashLayout } from './layout.js';
import { ModemDfu } from './modem-dfu.js';

export const PRIMARY_AREA = 'mcuboot_primary';
export const SECONDARY_AREA = 'mcuboot_secondary';
const KEYS = 'bootloader_keys.json';

export interface DeviceFlashOptions {
  /** Folder for the flash files (`<state>/devices/<name>/flash`); omit to keep flash in memory. */
  dir?: string;
  /** Where the areas live instead of `dir` (e.g. a shared {@link MemoryFlashStorage}). */
  storage?: FlashStorage;
  layout?: Partial<FlashLayout>;
  /** Public keys for the bootloader; stored on first use, as they are built into MCUboot. */
  bootloaderKeys?: readonly KeyInput[];
  owner?: string;
}

/**
 * A device's non-volatile parts: the two MCUboot slots, the modem's delta scratch area and the
 * bootloader's keys, with the power-fault injector every flash operation goes through.
 */
export class DeviceFlash {
  private constructor(
    readonly layout: FlashLayout,
    readonly primary: FlashArea,
    readonly secondary: FlashArea,
    readonly modemDfu: ModemDfu,
    readonly faults: PowerFaults,
    /** Where the areas live; also holds small settings the firmware keeps in flash. */
    readonly storage: FlashStorage,
    readonly bootloaderKeys: readonly string[],
    readonly dir: string | undefined,
    private readonly owner: string,
  ) {}

  static async open(options: DeviceFlashOptions = {}): Promise<DeviceFlash> {
    const layout = checkLayout({ ...NRF9160_FLASH_LAYOUT, ...options.layout });
    const storage: FlashStorage =
      options.storage ?? (options.dir ? new DirectoryFlashStorage(options.dir) : new MemoryFlashStorage());
    const faults = new PowerFaults();
    const geometry = { sectorSize: layout.sectorSize, writeSize: layout.writeSize };
    const primary = await FlashArea.open(PRIMARY_AREA, layout.slotSize, geometry, storage, faults);
    const secondary = await FlashArea.open(SECONDARY_AREA, layout.slotSize, geometry, storage, faults);
    const modemDfu = await ModemDfu.open(storage);
    const keys = await loadKeys(storage, options.bootloaderKeys);
    return new DeviceFlash(
      layout,
      primary,
      secondary,
      modemDfu,
      faults,
      storage,
      keys,
      options.dir,
      options.owner ?? '',
    );
  }

  /** A bootloader over these slots with the stored keys. */
  bootloader(): Bootloader {
    return new Bootloader({
      primary: this.primary,
      secondary: this.secondary,
      layout: this.layout,
      faults: this.faults,
      keys: this.bootloaderKeys,
      owner: this.owner,
    });
  }

  /** The application-side MCUboot API over these slots. */
  imageControl(): ImageControl {
    return new ImageControl(this.primary, this.secondary, this.layout);
  }

  /** File holding an area, when the flash is on disk. */
  file(area: string): string | undefined {
    return this.dir ? path.join(this.dir, `${area}.bin`) : undefined;
  }

  /**
   * Programs an image into the primary slot the way `west flash` / `nrfjprog --program` would: the
   * slot (trailer included) is erased, so the image runs as confirmed.
   */
  async program(image: Uint8Array): Promise<void> {
    const parsed = parseImage(image);
    if (parsed.size > maxImageSize(this.layout)) {
      throw new SimError(
        ErrorCode.IMAGE_TOO_LARGE,
        `image of ${parsed.size} bytes exceeds ${maxImageSize(this.layout)}`,
      );
    }
    await this.primary.erase(0, this.layout.slotSize);
    const len = Math.ceil(parsed.size / this.layout.writeSize) * this.layout.writeSize;
    const padded = Buffer.alloc(len, 0xff);
    parsed.bytes.copy(padded);
    await this.primary.write(0, padded);
  }

  /** True while the primary slot has never been programmed. */
  primaryErased(): boolean {
    return this.primary.isErased(0, 4);
  }
}

async function loadKeys(storage: FlashStorage, given: readonly KeyInput[] | undefined): Promise<string[]> {
  if (given && given.length > 0) {
    const pems = given.map((k) => loadVerifyKey(k).export({ type: 'spki', format: 'pem' }).toString());
    await storage.store(KEYS, Buffer.from(`${JSON.stringify({ keys: pems }, null, 2)}\n`));
    return pems;
  }
  const raw = await storage.load(KEYS);
  if (!raw) return [];
  try {
    return (JSON.parse(raw.toString('utf8')) as { keys: string[] }).keys;
  } catch (err) {
    throw new SimError(ErrorCode.STATE_CORRUPT, `${KEYS} is not valid JSON; fix or delete it`, {
      cause: err,
    });
  }
}
