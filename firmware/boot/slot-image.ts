import { ErrorCode, isSimError } from '../../core/errors.js';
import { IMAGE_HEADER_SIZE, ImageFlag, TLV_INFO_SIZE } from '../image/format.js';
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
    return parseSlot(area).size;
  } catch {
    return 0;
  }
}

/**
 * The slot's image, parsed from the bytes it spans rather than a copy of the whole slot: the parsed
 * image keeps the buffer it was parsed from (a boot report holds it for the life of the device).
 * A slot whose header or TLV area does not add up is parsed whole, so the error is the parser's.
 */
export function parseSlot(area: FlashArea): McubootImage {
  const span = imageSpan(area);
  if (span !== undefined) {
    try {
      return parseImage(area.read(0, span));
    } catch {
      // The whole slot names the problem exactly as before.
    }
  }
  return parseImage(area.snapshot());
}

/** Header through TLV area, read from the header and the TLV info; undefined when it does not fit. */
function imageSpan(area: FlashArea): number | undefined {
  if (area.size < IMAGE_HEADER_SIZE) return undefined;
  const header = area.read(0, IMAGE_HEADER_SIZE);
  const bodyEnd = header.readUInt16LE(8) + header.readUInt32LE(12);
  const tlvInfo = bodyEnd + header.readUInt16LE(10);
  if (tlvInfo + TLV_INFO_SIZE > area.size) return undefined;
  const end = tlvInfo + area.read(tlvInfo, TLV_INFO_SIZE).readUInt16LE(2);
  return end <= area.size ? end : undefined;
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
    image = parseSlot(area);
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
