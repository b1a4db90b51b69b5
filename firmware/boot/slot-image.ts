import { ErrorCode, isSimError } from '../../core/errors.js';
import { ImageFlag } from '../image/format.js';
import type { KeyInput } from '../image/keys.js';
import { decodeAppBody, isAppBody, type AppManifest } from '../image/manifest.js';
import { parseImage, type McubootImage } from '../image/parse.js';
import { formatVersion } from '../image/version.js';
import { verifyImage, type ImageProblem } from '../image/verify.js';
import type { FlashArea } from './flash.js';
import { maxImageSize, type FlashLayout } from './layout.js';

/** What `boot_validate_slot()` concludes about a slot. */
export type SlotValidation =
  | { status: 'empty' }
  | { status: 'invalid'; problem: ImageProblem }
  | {
      status: 'valid';
      image: McubootImage;
      version: string;
      hash: string;
      manifest: AppManifest | undefined;
    };

/** `boot_check_header_erased()`: the header magic is erased flash. */
export function headerErased(area: FlashArea): boolean {
  return area.read(0, 4).readUInt32LE(0) === 0xffffffff;
}

/** `boot_read_image_size()`: header through TLV area, or 0 when the slot holds no parseable image. */
export function imageSizeIn(area: FlashArea): number {
  try {
    return parseImage(area.snapshot()).size;
  } catch {
    return 0;
  }
}

/**
 * Validates the image in a slot as MCUboot does before swapping it in or booting it: a sound header
 * and TLV area inside the usable part of the slot, a matching SHA-256 and, when the bootloader has
 * keys, a valid signature by one of them.
 */
export function validateSlot(
  area: FlashArea,
  layout: FlashLayout,
  keys: readonly KeyInput[],
): SlotValidation {
  if (headerErased(area)) return { status: 'empty' };
  let image: McubootImage;
  try {
    image = parseImage(area.snapshot());
  } catch (err) {
    if (isSimError(err)) return { status: 'invalid', problem: { code: err.code, message: err.message } };
    throw err;
  }
  if ((image.header.flags & ImageFlag.NON_BOOTABLE) !== 0) return { status: 'empty' };
  if (image.size > maxImageSize(layout)) {
    return {
      status: 'invalid',
      problem: {
        code: ErrorCode.IMAGE_TOO_LARGE,
        message: `image of ${image.size} bytes exceeds the ${maxImageSize(layout)} bytes a slot can swap`,
      },
    };
  }
  const result = verifyImage(image, { keys });
  const problem = result.problems[0];
  if (problem) return { status: 'invalid', problem };
  let manifest: AppManifest | undefined;
  if (isAppBody(image.body)) {
    try {
      manifest = decodeAppBody(image.body);
    } catch {
      manifest = undefined;
    }
  }
  return {
    status: 'valid',
    image,
    version: formatVersion(image.header.version),
    hash: result.hash.actual,
    manifest,
  };
}
