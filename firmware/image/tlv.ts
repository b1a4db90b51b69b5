import { ErrorCode, SimError } from '../../core/errors.js';
import { TLV_HEADER_SIZE, TLV_INFO_SIZE } from './format.js';

/** One TLV entry: type, value, and where its value starts in the image (when parsed). */
export interface Tlv {
  type: number;
  value: Buffer;
  /** Offset of the value (after the 4-byte TLV header) from the start of the image. */
  offset?: number;
}

/**
 * Encodes a TLV area: `image_tlv_info { magic, it_tlv_tot }` followed by `image_tlv { type, len }`
 * entries. `it_tlv_tot` counts the info header too.
 */
export function encodeTlvArea(magic: number, entries: readonly Tlv[]): Buffer {
  const size = entries.reduce((n, e) => n + TLV_HEADER_SIZE + e.value.length, TLV_INFO_SIZE);
  if (size > 0xffff) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `TLV area of ${size} bytes exceeds the u16 it_tlv_tot`);
  }
  const out = Buffer.alloc(size);
  out.writeUInt16LE(magic, 0);
  out.writeUInt16LE(size, 2);
  let off = TLV_INFO_SIZE;
  for (const e of entries) {
    if (e.value.length > 0xffff) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `TLV 0x${e.type.toString(16)} value exceeds 65535 bytes`,
      );
    }
    out.writeUInt16LE(e.type, off);
    out.writeUInt16LE(e.value.length, off + 2);
    e.value.copy(out, off + TLV_HEADER_SIZE);
    off += TLV_HEADER_SIZE + e.value.length;
  }
  return out;
}
