import { createHash } from 'node:crypto';
import { ErrorCode, SimError } from '../../core/errors.js';

/**
 * What a simulated application image runs: the sample, its version and its configuration (what
 * Kconfig and the devicetree would fix at build time on real hardware). It sits at the start of the
 * image body, so an update changes what the device does after the swap.
 */
export interface AppManifest {
  /** The NCS sample the image was built from, e.g. `at_client`, `aws_iot`. */
  app: string;
  /** Application version; equal to the header's `ih_ver` (`1.0.1` or `1.0.1+7`). */
  version: string;
  /** Build-time configuration the application reads (endpoints, intervals, ...). */
  config: Record<string, unknown>;
  /**
   * The lines the image prints on the UART at every boot, replacing the default (the kernel's
   * `*** Booting nRF Connect SDK … ***` and the sample's ready lines).
   */
  banner?: readonly string[];
}

/** At most this many banner lines of at most {@link MAX_BANNER_LINE} characters each. */
export const MAX_BANNER_LINES = 32;
export const MAX_BANNER_LINE = 256;

/** Samples the simulator knows by name (others may be registered with the device). */
export const KNOWN_APPS = ['at_client', 'aws_iot', 'nrf_cloud', 'serial_lte_modem'] as const;

/** 8 bytes at the start of a simulated application body. */
export const APP_BODY_MAGIC = Buffer.from('N91S-APP', 'ascii');
const PREFIX = 16; // magic (8) + u32 manifest length + u32 reserved
const APP_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** Checks a manifest; throws IMAGE_BAD_MANIFEST. */
export function validateManifest(value: unknown): AppManifest {
  const m = value as Partial<AppManifest> | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    throw new SimError(ErrorCode.IMAGE_BAD_MANIFEST, 'the application manifest is not a JSON object');
  }
  if (typeof m.app !== 'string' || !APP_NAME.test(m.app)) {
    throw new SimError(
      ErrorCode.IMAGE_BAD_MANIFEST,
      `manifest app ${JSON.stringify(m.app)}: use lower-case letters, digits, _ and - (max 32)`,
    );
  }
  if (typeof m.version !== 'string' || m.version.length === 0) {
    throw new SimError(ErrorCode.IMAGE_BAD_MANIFEST, 'manifest version is missing');
  }
  const config = m.config ?? {};
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new SimError(ErrorCode.IMAGE_BAD_MANIFEST, 'manifest config must be a JSON object');
  }
  const banner = m.banner;
  if (banner !== undefined) {
    if (
      !Array.isArray(banner) ||
      banner.length > MAX_BANNER_LINES ||
      !banner.every((l) => typeof l === 'string' && l.length <= MAX_BANNER_LINE && !/[\r\n]/.test(l))
    ) {
      throw new SimError(
        ErrorCode.IMAGE_BAD_MANIFEST,
        `manifest banner must be at most ${MAX_BANNER_LINES} lines of at most ${MAX_BANNER_LINE} characters, without CR or LF`,
      );
    }
  }
  return {
    app: m.app,
    version: m.version,
    config: config as Record<string, unknown>,
    ...(banner !== undefined ? { banner: [...(banner as string[])] } : {}),
  };
}

/**
 * Encodes an application body: `N91S-APP`, u32 LE manifest length, u32 zero, the manifest as UTF-8
 * JSON, then filler up to `size` bytes. The filler is a SHA-256 counter stream seeded with the
 * manifest: it does not compress (like real code) and the same inputs give the same bytes.
 */
export function encodeAppBody(manifest: AppManifest, size = 0): Buffer {
  const json = Buffer.from(JSON.stringify(validateManifest(manifest)), 'utf8');
  const minimum = PREFIX + json.length;
  const total = Math.max(size, minimum);
  const body = Buffer.alloc(total);
  APP_BODY_MAGIC.copy(body, 0);
  body.writeUInt32LE(json.length, 8);
  json.copy(body, PREFIX);
  const seed = createHash('sha256').update(json).digest();
  let off = minimum;
  for (let counter = 0; off < total; counter++) {
    const block = createHash('sha256').update(seed).update(String(counter)).digest();
    off += block.copy(body, off, 0, Math.min(block.length, total - off));
  }
  return body;
}

/** True when `body` starts like a simulated application. */
export function isAppBody(body: Uint8Array): boolean {
  return body.length >= PREFIX && Buffer.from(body.subarray(0, 8)).equals(APP_BODY_MAGIC);
}

/** Reads the manifest from an application body; throws IMAGE_BAD_MANIFEST with the reason. */
export function decodeAppBody(body: Uint8Array): AppManifest {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (!isAppBody(b)) {
    throw new SimError(
      ErrorCode.IMAGE_BAD_MANIFEST,
      'the image body is not a simulated application (no N91S-APP manifest at its start)',
    );
  }
  const len = b.readUInt32LE(8);
  if (PREFIX + len > b.length) {
    throw new SimError(
      ErrorCode.IMAGE_BAD_MANIFEST,
      `manifest length ${len} runs past the ${b.length}-byte body`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(b.subarray(PREFIX, PREFIX + len).toString('utf8'));
  } catch (err) {
    throw new SimError(
      ErrorCode.IMAGE_BAD_MANIFEST,
      `manifest is not valid JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  return validateManifest(parsed);
}
