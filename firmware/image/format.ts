/**
 * MCUboot image format constants, as `boot/bootutil/include/bootutil/image.h` defines them and
 * `scripts/imgtool/image.py` lays them out. All multi-byte fields are little-endian.
 *
 * ```
 * +-------------------+  0
 * | image_header (32) |  ih_magic, ih_load_addr, ih_hdr_size, ih_protect_tlv_size,
 * | padding to        |  ih_img_size, ih_flags, ih_ver, _pad1
 * |   ih_hdr_size     |
 * +-------------------+  ih_hdr_size
 * | body              |
 * +-------------------+  ih_hdr_size + ih_img_size
 * | protected TLVs    |  image_tlv_info{0x6908, tot} + TLVs   (tot == ih_protect_tlv_size)
 * +-------------------+  hash region ends here
 * | TLVs              |  image_tlv_info{0x6907, tot} + SHA-256, KEYHASH, ECDSA signature
 * +-------------------+
 * ```
 */

/** `IMAGE_MAGIC`: bytes `3d b8 f3 96` at offset 0. */
export const IMAGE_MAGIC = 0x96f3b83d;
/** `IMAGE_MAGIC_V1`, the pre-1.0 magic MCUboot no longer boots. */
export const IMAGE_MAGIC_V1 = 0x96f3b83c;
export const IMAGE_HEADER_SIZE = 32;
/** NCS builds reserve `CONFIG_ROM_START_OFFSET` = 0x200 bytes for the header (`imgtool sign -H 0x200`). */
export const NCS_HEADER_SIZE = 0x200;

export const TLV_INFO_MAGIC = 0x6907;
export const TLV_PROT_INFO_MAGIC = 0x6908;
/** `struct image_tlv_info`: u16 magic, u16 total size including this header. */
export const TLV_INFO_SIZE = 4;
/** `struct image_tlv`: u16 type, u16 length (older headers: u8 type, u8 pad — same bytes). */
export const TLV_HEADER_SIZE = 4;

/** TLV types (`IMAGE_TLV_*`). */
export const TlvType = {
  KEYHASH: 0x01,
  PUBKEY: 0x02,
  SHA256: 0x10,
  SHA384: 0x11,
  SHA512: 0x12,
  RSA2048_PSS: 0x20,
  ECDSA224: 0x21,
  /** `IMAGE_TLV_ECDSA_SIG` (was `IMAGE_TLV_ECDSA256`): DER `ECDSA-Sig-Value` over the SHA-256 hash. */
  ECDSA_SIG: 0x22,
  RSA3072_PSS: 0x23,
  ED25519: 0x24,
  SIG_PURE: 0x25,
  ENC_RSA2048: 0x30,
  ENC_KW: 0x31,
  ENC_EC256: 0x32,
  ENC_X25519: 0x33,
  DEPENDENCY: 0x40,
  SEC_CNT: 0x50,
  BOOT_RECORD: 0x60,
} as const;

const TLV_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TlvType).map(([name, type]) => [type, name]),
);

/** The `IMAGE_TLV_*` name of a type, or `0x..` for a vendor or unknown one. */
export function tlvName(type: number): string {
  return TLV_NAMES[type] ?? `0x${type.toString(16).padStart(2, '0')}`;
}

/** Header flags (`IMAGE_F_*`). */
export const ImageFlag = {
  PIC: 0x01,
  ENCRYPTED_AES128: 0x04,
  ENCRYPTED_AES256: 0x08,
  NON_BOOTABLE: 0x10,
  RAM_LOAD: 0x20,
  ROM_FIXED: 0x100,
  COMPRESSED_LZMA1: 0x200,
  COMPRESSED_LZMA2: 0x400,
  COMPRESSED_ARM_THUMB_FLT: 0x800,
} as const;

/** Names of the flags set in `flags`, e.g. `['RAM_LOAD']`. */
export function flagNames(flags: number): string[] {
  return Object.entries(ImageFlag)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

/**
 * Modem delta update images (`dfu_target_modem_delta`): two u16 pads, then this u32 at offset 4
 * (bytes `6d 65 44 75`).
 */
export const MODEM_DELTA_MAGIC = 0x7544656d;
export const MODEM_DELTA_MAGIC_OFFSET = 4;
