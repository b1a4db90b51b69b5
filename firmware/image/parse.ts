import { ErrorCode, SimError } from '../../core/errors.js';
import {
  IMAGE_HEADER_SIZE,
  IMAGE_MAGIC,
  IMAGE_MAGIC_V1,
  MODEM_DELTA_MAGIC,
  MODEM_DELTA_MAGIC_OFFSET,
  TLV_HEADER_SIZE,
  TLV_INFO_MAGIC,
  TLV_INFO_SIZE,
  TLV_PROT_INFO_MAGIC,
  tlvName,
} from './format.js';
import { decodeHeader, type ImageHeader } from './header.js';
import type { Tlv } from './tlv.js';

/** A structurally sound MCUboot image (hash and signature not yet checked: see `verifyImage`). */
export interface McubootImage {
  header: ImageHeader;
  body: Buffer;
  /** Entries of the protected TLV area (covered by the hash and signature). */
  protectedTlvs: Tlv[];
  /** Entries of the unprotected TLV area (hash, key hash, signature). */
  tlvs: Tlv[];
  /** Header + body + protected TLV area: what the SHA-256 TLV and the signature cover. */
  hashRegion: Buffer;
  /** Bytes from the start of the header to the end of the TLV area. */
  size: number;
  /** The image's bytes (`size` long); anything after it in the input (slot padding, trailer) is not included. */
  bytes: Buffer;
}

function fail(code: (typeof ErrorCode)[keyof typeof ErrorCode], message: string): never {
  throw new SimError(code, message);
}

function hex(n: number, width = 8): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}

/**
 * Parses an MCUboot image (a bare `app_update.bin`, or a slot dump with padding and trailer after
 * it), checking the header and the bounds of every TLV the way `bootutil_tlv_iter_*` does. Throws a
 * {@link SimError} whose code names the first problem: `IMAGE_TRUNCATED`, `IMAGE_BAD_MAGIC`,
 * `IMAGE_BAD_HEADER` or `IMAGE_BAD_TLV`.
 */
export function parseImage(input: Uint8Array): McubootImage {
  const data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (data.length < 4)
    fail(ErrorCode.IMAGE_TRUNCATED, `image is ${data.length} bytes: too short for a magic`);
  const magic = data.readUInt32LE(0);
  if (magic !== IMAGE_MAGIC) {
    let why = `bad magic ${hex(magic)} at offset 0 (expected ${hex(IMAGE_MAGIC)}, bytes 3d b8 f3 96)`;
    if (magic === IMAGE_MAGIC_V1) why += '; this is the legacy v1 magic MCUboot no longer boots';
    else if (magic === 0xffffffff) why += '; the data is erased flash';
    else if (data.length >= 8 && data.readUInt32LE(MODEM_DELTA_MAGIC_OFFSET) === MODEM_DELTA_MAGIC) {
      why += '; this is a modem delta image';
    }
    fail(ErrorCode.IMAGE_BAD_MAGIC, why);
  }
  if (data.length < IMAGE_HEADER_SIZE) {
    fail(ErrorCode.IMAGE_TRUNCATED, `header truncated: ${data.length} of ${IMAGE_HEADER_SIZE} bytes present`);
  }
  const header = decodeHeader(data);
  if (header.headerSize < IMAGE_HEADER_SIZE) {
    fail(
      ErrorCode.IMAGE_BAD_HEADER,
      `ih_hdr_size ${header.headerSize} is smaller than the ${IMAGE_HEADER_SIZE}-byte header`,
    );
  }
  if (header.headerSize > data.length) {
    fail(
      ErrorCode.IMAGE_TRUNCATED,
      `header area truncated: ih_hdr_size ${header.headerSize}, ${data.length} bytes present`,
    );
  }
  const bodyEnd = header.headerSize + header.imageSize;
  if (bodyEnd > data.length) {
    fail(
      ErrorCode.IMAGE_TRUNCATED,
      `body truncated: ih_img_size ${header.imageSize} needs ${bodyEnd} bytes, ${data.length} present`,
    );
  }

  let off = bodyEnd;
  let protectedTlvs: Tlv[] = [];
  const first = readInfo(data, off, 'TLV info');
  if (first.magic === TLV_PROT_INFO_MAGIC) {
    if (header.protectedTlvSize !== first.total) {
      fail(
        ErrorCode.IMAGE_BAD_TLV,
        `protected TLV area is ${first.total} bytes but ih_protect_tlv_size says ${header.protectedTlvSize}`,
      );
    }
    protectedTlvs = readEntries(data, off, first.total, 'protected TLV area');
    off += first.total;
  } else if (header.protectedTlvSize !== 0) {
    fail(
      ErrorCode.IMAGE_BAD_TLV,
      `ih_protect_tlv_size is ${header.protectedTlvSize} but no protected TLV area (magic ${hex(TLV_PROT_INFO_MAGIC, 4)}) follows the body at ${bodyEnd}`,
    );
  }
  const info = off === bodyEnd ? first : readInfo(data, off, 'TLV info');
  if (info.magic !== TLV_INFO_MAGIC) {
    fail(
      ErrorCode.IMAGE_BAD_TLV,
      `bad TLV info magic ${hex(info.magic, 4)} at offset ${off} (expected ${hex(TLV_INFO_MAGIC, 4)})`,
    );
  }
  const tlvs = readEntries(data, off, info.total, 'TLV area');
  const size = off + info.total;
  return {
    header,
    body: data.subarray(header.headerSize, bodyEnd),
    protectedTlvs,
    tlvs,
    hashRegion: data.subarray(0, bodyEnd + header.protectedTlvSize),
    size,
    bytes: data.subarray(0, size),
  };
}

function readInfo(data: Buffer, off: number, what: string): { magic: number; total: number } {
  if (off + TLV_INFO_SIZE > data.length) {
    fail(
      ErrorCode.IMAGE_TRUNCATED,
      `${what} truncated: the image ends at ${data.length}, the TLV info header needs ${off + TLV_INFO_SIZE}`,
    );
  }
  return { magic: data.readUInt16LE(off), total: data.readUInt16LE(off + 2) };
}

function readEntries(data: Buffer, start: number, total: number, what: string): Tlv[] {
  if (total < TLV_INFO_SIZE) {
    fail(
      ErrorCode.IMAGE_BAD_TLV,
      `${what} at ${start} declares ${total} bytes, less than its own 4-byte info header`,
    );
  }
  const end = start + total;
  if (end > data.length) {
    fail(
      ErrorCode.IMAGE_TRUNCATED,
      `${what} truncated: it declares ${total} bytes ending at ${end}, the image ends at ${data.length}`,
    );
  }
  const entries: Tlv[] = [];
  let off = start + TLV_INFO_SIZE;
  while (off < end) {
    if (off + TLV_HEADER_SIZE > end) {
      fail(ErrorCode.IMAGE_BAD_TLV, `${what}: TLV header at ${off} overruns the area end ${end}`);
    }
    const type = data.readUInt16LE(off);
    const len = data.readUInt16LE(off + 2);
    if (off + TLV_HEADER_SIZE + len > end) {
      fail(
        ErrorCode.IMAGE_BAD_TLV,
        `${what}: TLV ${tlvName(type)} at ${off} with length ${len} overruns the area end ${end}`,
      );
    }
    const valueOff = off + TLV_HEADER_SIZE;
    entries.push({ type, value: data.subarray(valueOff, valueOff + len), offset: valueOff });
    off = valueOff + len;
  }
  return entries;
}
