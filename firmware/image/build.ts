import { createHash, sign } from 'node:crypto';
import { ErrorCode, SimError } from '../../core/errors.js';
import {
  IMAGE_HEADER_SIZE,
  NCS_HEADER_SIZE,
  TLV_INFO_MAGIC,
  TLV_PROT_INFO_MAGIC,
  TlvType,
} from './format.js';
import { encodeHeader } from './header.js';
import { keyHash, loadSigningKey, type KeyInput } from './keys.js';
import { encodeTlvArea, type Tlv } from './tlv.js';
import { parseVersion, type ImageVersion } from './version.js';

export interface ImageBuildOptions {
  /** The payload placed after the header (for NCS: `zephyr.bin` without its reserved header space). */
  body: Uint8Array;
  /** `ih_ver`, as `1.0.1+7` or fields. */
  version: string | ImageVersion;
  /** `ih_hdr_size`; default 0x200 as NCS signs (`imgtool sign -H 0x200`). The gap is zero-filled. */
  headerSize?: number;
  /** `ih_load_addr`; non-zero sets `IMAGE_F_RAM_LOAD` unless `romFixed`, as imgtool does. */
  loadAddress?: number;
  /** Marks `ih_load_addr` as the ROM address the image was built for (`IMAGE_F_ROM_FIXED`). */
  romFixed?: boolean;
  /** Extra `IMAGE_F_*` bits. */
  flags?: number;
  /** ECDSA P-256 private key: adds `KEYHASH` and `ECDSA_SIG` TLVs (`imgtool sign -k key.pem`). */
  signingKey?: KeyInput;
  /** Adds a protected `SEC_CNT` TLV (`imgtool sign -s N`). */
  securityCounter?: number;
  /** Further protected TLVs, in order (vendor types 0xa0-0xfe are free for custom data). */
  protectedTlvs?: readonly Tlv[];
}

/**
 * Builds an MCUboot image the way `imgtool sign` lays it out: header, body, optional protected TLV
 * area, then the TLV area with the SHA-256 of header + body + protected TLVs, and — when signing —
 * the key hash and the ECDSA-P256 signature of that same region (DER, not padded).
 */
export function buildImage(options: ImageBuildOptions): Buffer {
  const version = typeof options.version === 'string' ? parseVersion(options.version) : options.version;
  const headerSize = options.headerSize ?? NCS_HEADER_SIZE;
  if (!Number.isInteger(headerSize) || headerSize < IMAGE_HEADER_SIZE || headerSize > 0xffff) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `header size ${headerSize}: must be 32..65535`);
  }
  const body = Buffer.from(options.body.buffer, options.body.byteOffset, options.body.byteLength);
  const loadAddress = options.loadAddress ?? 0;
  let flags = options.flags ?? 0;
  if (options.romFixed) flags |= 0x100;
  else if (loadAddress !== 0) flags |= 0x20;

  const protectedEntries: Tlv[] = [];
  if (options.securityCounter !== undefined) {
    const v = Buffer.alloc(4);
    v.writeUInt32LE(options.securityCounter >>> 0);
    protectedEntries.push({ type: TlvType.SEC_CNT, value: v });
  }
  protectedEntries.push(...(options.protectedTlvs ?? []));
  const protectedArea =
    protectedEntries.length > 0 ? encodeTlvArea(TLV_PROT_INFO_MAGIC, protectedEntries) : Buffer.alloc(0);

  const header = encodeHeader({
    loadAddress,
    headerSize,
    protectedTlvSize: protectedArea.length,
    imageSize: body.length,
    flags,
    version,
  });
  const hashRegion = Buffer.alloc(headerSize + body.length + protectedArea.length);
  header.copy(hashRegion, 0);
  body.copy(hashRegion, headerSize);
  protectedArea.copy(hashRegion, headerSize + body.length);

  const digest = createHash('sha256').update(hashRegion).digest();
  const entries: Tlv[] = [{ type: TlvType.SHA256, value: digest }];
  if (options.signingKey !== undefined) {
    const key = loadSigningKey(options.signingKey);
    entries.push({ type: TlvType.KEYHASH, value: keyHash(key) });
    // imgtool's ECDSA256P1.sign(): ECDSA with SHA-256 over the hash region, i.e. over `digest`.
    entries.push({ type: TlvType.ECDSA_SIG, value: sign('sha256', hashRegion, key) });
  }
  return Buffer.concat([hashRegion, encodeTlvArea(TLV_INFO_MAGIC, entries)]);
}
