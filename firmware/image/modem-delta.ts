import { createHash } from 'node:crypto';
import { ErrorCode, SimError } from '../../core/errors.js';
import { MODEM_DELTA_MAGIC, MODEM_DELTA_MAGIC_OFFSET } from './format.js';

/**
 * A modem delta update. Real delta images are Nordic's signed format; the simulator keeps the part
 * `dfu_target_modem_delta` looks at (two u16 pads, then `0x7544656d` at offset 4) and puts its own
 * descriptor after it:
 *
 * ```
 *  0  u16 pad, u16 pad                       (zero)
 *  4  u32 magic 0x7544656d
 *  8  "N91S-MFW"
 * 16  u32 descriptor length L, u32 payload length P
 * 24  descriptor JSON {"from": base version or null, "to": target version}
 *     P filler bytes (a realistic download size)
 *     SHA-256 of everything before it (the modem rejects a damaged image: auth error)
 * ```
 */
export interface ModemDelta {
  /** The modem firmware the delta applies to (`+CGMR`); null applies to any. */
  from: string | null;
  /** The modem firmware after the update, e.g. `mfw_nrf9160_1.3.5`. */
  to: string;
  /** Total image size in bytes. */
  size: number;
}

const MARKER = Buffer.from('N91S-MFW', 'ascii');
const FIXED = 24;
const DIGEST = 32;
const MFW = /^mfw_nrf91\d0_\d+\.\d+\.\d+[A-Za-z0-9_.-]*$/;

function invalid(message: string): never {
  throw new SimError(ErrorCode.MODEM_DELTA_INVALID, message);
}

export interface ModemDeltaOptions {
  to: string;
  from?: string | null;
  /** Total size of the image in bytes (filler is added to reach it). */
  size?: number;
}

/** Builds a modem delta image that moves the modem from `from` (or any version) to `to`. */
export function buildModemDelta(options: ModemDeltaOptions): Buffer {
  if (!MFW.test(options.to)) invalid(`target version ${options.to} does not look like mfw_nrf9160_X.Y.Z`);
  if (options.from != null && !MFW.test(options.from)) {
    invalid(`base version ${options.from} does not look like mfw_nrf9160_X.Y.Z`);
  }
  const descriptor = Buffer.from(JSON.stringify({ from: options.from ?? null, to: options.to }), 'utf8');
  const minimum = FIXED + descriptor.length + DIGEST;
  const payload = Math.max(0, (options.size ?? 0) - minimum);
  const out = Buffer.alloc(minimum + payload);
  out.writeUInt32LE(MODEM_DELTA_MAGIC, MODEM_DELTA_MAGIC_OFFSET);
  MARKER.copy(out, 8);
  out.writeUInt32LE(descriptor.length, 16);
  out.writeUInt32LE(payload, 20);
  descriptor.copy(out, FIXED);
  let off = FIXED + descriptor.length;
  const seed = createHash('sha256').update(descriptor).digest();
  for (let counter = 0; off < FIXED + descriptor.length + payload; counter++) {
    const block = createHash('sha256').update(seed).update(String(counter)).digest();
    off += block.copy(out, off, 0, Math.min(block.length, FIXED + descriptor.length + payload - off));
  }
  createHash('sha256').update(out.subarray(0, off)).digest().copy(out, off);
  return out;
}

/** Parses and checks a modem delta image; throws MODEM_DELTA_INVALID with the reason. */
export function parseModemDelta(input: Uint8Array): ModemDelta {
  const b = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (b.length < 8) invalid(`modem delta image is ${b.length} bytes: too short for its header`);
  const magic = b.readUInt32LE(MODEM_DELTA_MAGIC_OFFSET);
  if (magic !== MODEM_DELTA_MAGIC) {
    invalid(
      `bad modem delta magic 0x${magic.toString(16).padStart(8, '0')} at offset 4 (expected 0x7544656d)`,
    );
  }
  if (b.length < FIXED || !b.subarray(8, 16).equals(MARKER)) {
    invalid('not a simulator modem delta (no N91S-MFW descriptor after the magic)');
  }
  const descLen = b.readUInt32LE(16);
  const payload = b.readUInt32LE(20);
  const end = FIXED + descLen + payload;
  if (end + DIGEST > b.length)
    invalid(`modem delta truncated: needs ${end + DIGEST} bytes, ${b.length} present`);
  const digest = createHash('sha256').update(b.subarray(0, end)).digest();
  if (!digest.equals(b.subarray(end, end + DIGEST)))
    invalid('modem delta digest mismatch: the image is damaged');
  let desc: { from?: unknown; to?: unknown };
  try {
    desc = JSON.parse(b.subarray(FIXED, FIXED + descLen).toString('utf8')) as typeof desc;
  } catch {
    invalid('modem delta descriptor is not valid JSON');
  }
  if (typeof desc.to !== 'string' || !MFW.test(desc.to))
    invalid('modem delta descriptor has no valid target version');
  if (desc.from != null && typeof desc.from !== 'string') invalid('modem delta base version is not a string');
  return { from: (desc.from as string | null | undefined) ?? null, to: desc.to, size: end + DIGEST };
}
