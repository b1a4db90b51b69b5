import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { ErrorCode, SimError } from '../../../core/errors.js';
import { isObject } from '../../services/shadow/json.js';
import type { FirmwareType } from '../types.js';

/**
 * Firmware bundles as nRF Cloud takes them: a ZIP holding `manifest.json` and the image it names.
 * The manifest is the one NCS builds write into `dfu_application.zip`
 * (`{"name", "format-version", "files":[{"type":"application","file":"app_update.bin","version_MCUBOOT":…}]}`)
 * or nRF Cloud's custom-bundle form (`{"fwversion", "name", "description", "files":[{"file","type"}]}`).
 */
export interface FirmwareBundle {
  name: string;
  description?: string;
  version: string;
  type: FirmwareType;
  file: string;
  image: Buffer;
}

/** Manifest `type` values and the firmware type each names. */
const TYPE_NAMES: Record<string, FirmwareType> = {
  application: 'APP',
  app: 'APP',
  APP: 'APP',
  modem: 'MODEM',
  modem_delta: 'MODEM',
  MODEM: 'MODEM',
  modem_full: 'MDM_FULL',
  MDM_FULL: 'MDM_FULL',
  bootloader: 'BOOT',
  mcuboot: 'BOOT',
  BOOT: 'BOOT',
};

const MAX_ENTRIES = 64;
const MAX_UNPACKED = 64 * 1024 * 1024;

function invalid(message: string): SimError {
  return new SimError(ErrorCode.INVALID_ARGUMENT, `not a firmware bundle: ${message}`);
}

export function readBundle(zip: Buffer): FirmwareBundle {
  if (zip.length < 4 || zip.readUInt32LE(0) !== 0x04034b50) throw invalid('the body is not a ZIP file');
  let files: Record<string, Uint8Array>;
  let total = 0;
  let entries = 0;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        entries++;
        total += f.originalSize;
        if (entries > MAX_ENTRIES || total > MAX_UNPACKED) throw invalid('the ZIP holds too much');
        return true;
      },
    });
  } catch (err) {
    if (err instanceof SimError) throw err;
    throw invalid(`the ZIP cannot be read (${(err as Error).message})`);
  }
  const manifestBytes = files['manifest.json'];
  if (!manifestBytes) throw invalid('no manifest.json in the ZIP');
  let manifest: unknown;
  try {
    manifest = JSON.parse(strFromU8(manifestBytes));
  } catch {
    throw invalid('manifest.json is not JSON');
  }
  if (!isObject(manifest) || !Array.isArray(manifest.files) || manifest.files.length === 0)
    throw invalid('manifest.json has no "files"');
  const entry = manifest.files[0];
  if (!isObject(entry) || typeof entry.file !== 'string')
    throw invalid('the manifest\'s first file has no "file"');
  const type = typeof entry.type === 'string' ? TYPE_NAMES[entry.type] : undefined;
  if (!type)
    throw invalid(
      `unknown firmware type ${JSON.stringify(entry.type)} (application, modem, modem_full, bootloader)`,
    );
  const base = entry.file.replace(/^.*\//, '');
  if (!/^[A-Za-z0-9._+-]{1,128}$/.test(base) || base === '.' || base === '..')
    throw invalid(`the manifest names ${JSON.stringify(entry.file)}, not a usable file name`);
  const image = files[entry.file];
  if (!image) throw invalid(`the manifest names ${entry.file}, which is not in the ZIP`);
  const version = [manifest.fwversion, entry.version_MCUBOOT, entry.version, manifest.version].find(
    (v) => typeof v === 'string',
  );
  if (typeof version !== 'string' || version === '')
    throw invalid('the manifest gives no version ("fwversion" or "version_MCUBOOT")');
  return {
    name: typeof manifest.name === 'string' ? manifest.name : entry.file,
    ...(typeof manifest.description === 'string' ? { description: manifest.description } : {}),
    version,
    type,
    file: base,
    image: Buffer.from(image),
  };
}

const TYPE_IN_MANIFEST: Record<FirmwareType, string> = {
  APP: 'application',
  MODEM: 'modem',
  MDM_FULL: 'modem_full',
  BOOT: 'bootloader',
};

/** Packs an image as a bundle nRF Cloud (and {@link readBundle}) accepts. */
export function makeBundle(options: {
  image: Buffer;
  version: string;
  type?: FirmwareType;
  file?: string;
  name?: string;
  description?: string;
}): Buffer {
  const type = options.type ?? 'APP';
  const file =
    options.file ?? (type === 'APP' ? 'app_update.bin' : type === 'BOOT' ? 'mcuboot.bin' : 'firmware.bin');
  const manifest = {
    name: options.name ?? file,
    ...(options.description ? { description: options.description } : {}),
    fwversion: options.version,
    'format-version': 1,
    files: [
      {
        file,
        type: TYPE_IN_MANIFEST[type],
        size: options.image.length,
        ...(type === 'APP' ? { version_MCUBOOT: options.version } : {}),
      },
    ],
  };
  return Buffer.from(
    zipSync({
      'manifest.json': strToU8(JSON.stringify(manifest, null, 2)),
      [file]: new Uint8Array(options.image),
    }),
  );
}
