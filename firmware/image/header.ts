import { IMAGE_HEADER_SIZE, IMAGE_MAGIC } from './format.js';
import type { ImageVersion } from './version.js';

/** `struct image_header`, decoded. */
export interface ImageHeader {
  magic: number;
  /** `ih_load_addr`: RAM load address (`IMAGE_F_RAM_LOAD`) or ROM address (`IMAGE_F_ROM_FIXED`); else 0. */
  loadAddress: number;
  /** `ih_hdr_size`: bytes from the start of the image to the body (32 or more; NCS uses 0x200). */
  headerSize: number;
  /** `ih_protect_tlv_size`: size of the protected TLV area including its info header; 0 when absent. */
  protectedTlvSize: number;
  /** `ih_img_size`: body size, header excluded. */
  imageSize: number;
  flags: number;
  version: ImageVersion;
}

/** Encodes the 32-byte header (`_pad1` zero), as imgtool's `add_header` packs `<IIHHIIBBHII`. */
export function encodeHeader(h: Omit<ImageHeader, 'magic'> & { magic?: number }): Buffer {
  const b = Buffer.alloc(IMAGE_HEADER_SIZE);
  b.writeUInt32LE(h.magic ?? IMAGE_MAGIC, 0);
  b.writeUInt32LE(h.loadAddress >>> 0, 4);
  b.writeUInt16LE(h.headerSize, 8);
  b.writeUInt16LE(h.protectedTlvSize, 10);
  b.writeUInt32LE(h.imageSize >>> 0, 12);
  b.writeUInt32LE(h.flags >>> 0, 16);
  b.writeUInt8(h.version.major, 20);
  b.writeUInt8(h.version.minor, 21);
  b.writeUInt16LE(h.version.revision, 22);
  b.writeUInt32LE(h.version.build >>> 0, 24);
  b.writeUInt32LE(0, 28);
  return b;
}

/** Decodes the first 32 bytes of `data` (the caller checks there are 32). */
export function decodeHeader(data: Uint8Array): ImageHeader {
  const b = Buffer.from(data.buffer, data.byteOffset, IMAGE_HEADER_SIZE);
  return {
    magic: b.readUInt32LE(0),
    loadAddress: b.readUInt32LE(4),
    headerSize: b.readUInt16LE(8),
    protectedTlvSize: b.readUInt16LE(10),
    imageSize: b.readUInt32LE(12),
    flags: b.readUInt32LE(16),
    version: {
      major: b.readUInt8(20),
      minor: b.readUInt8(21),
      revision: b.readUInt16LE(22),
      build: b.readUInt32LE(24),
    },
  };
}
