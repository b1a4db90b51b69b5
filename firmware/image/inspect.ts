import { isSimError } from '../../core/errors.js';
import { flagNames, tlvName } from './format.js';
import { dfuImageType, type DfuImageType } from './image-type.js';
import type { KeyInput } from './keys.js';
import { decodeAppBody, isAppBody, type AppManifest } from './manifest.js';
import { parseModemDelta, type ModemDelta } from './modem-delta.js';
import { parseImage } from './parse.js';
import { formatVersion } from './version.js';
import { verifyImage, type ImageProblem, type ImageVerification } from './verify.js';

/** A JSON-friendly report on a firmware file, for `nrf91sim image info`. */
export interface ImageReport {
  type: DfuImageType;
  valid: boolean;
  fileSize: number;
  /** Bytes the image occupies (header through TLV area); the rest of the file is ignored. */
  imageBytes?: number;
  header?: {
    magic: string;
    loadAddress: string;
    headerSize: number;
    protectedTlvSize: number;
    imageSize: number;
    flags: string[];
    version: string;
  };
  tlvs?: { type: string; code: number; length: number; protected: boolean; value: string }[];
  hash?: ImageVerification['hash'];
  signature?: ImageVerification['signature'];
  manifest?: AppManifest;
  modemDelta?: ModemDelta;
  problems: ImageProblem[];
}

function problemOf(err: unknown): ImageProblem {
  if (isSimError(err)) return { code: err.code, message: err.message };
  throw err;
}

/** Parses, verifies and describes a firmware file, collecting every problem instead of throwing. */
export function inspectImage(bytes: Uint8Array, options: { keys?: readonly KeyInput[] } = {}): ImageReport {
  const type = dfuImageType(bytes);
  const fileSize = bytes.byteLength;
  if (type === 'modem-delta') {
    try {
      return { type, valid: true, fileSize, modemDelta: parseModemDelta(bytes), problems: [] };
    } catch (err) {
      return { type, valid: false, fileSize, problems: [problemOf(err)] };
    }
  }
  let image;
  try {
    image = parseImage(bytes);
  } catch (err) {
    return { type, valid: false, fileSize, problems: [problemOf(err)] };
  }
  const verification = verifyImage(image, options);
  const problems = [...verification.problems];
  let manifest: AppManifest | undefined;
  if (isAppBody(image.body)) {
    try {
      manifest = decodeAppBody(image.body);
    } catch (err) {
      problems.push(problemOf(err));
    }
  }
  const h = image.header;
  const describe = (prot: boolean) => (t: { type: number; value: Buffer }) => ({
    type: tlvName(t.type),
    code: t.type,
    length: t.value.length,
    protected: prot,
    value: t.value.toString('hex'),
  });
  return {
    type,
    valid: problems.length === 0,
    fileSize,
    imageBytes: image.size,
    header: {
      magic: `0x${h.magic.toString(16)}`,
      loadAddress: `0x${h.loadAddress.toString(16).padStart(8, '0')}`,
      headerSize: h.headerSize,
      protectedTlvSize: h.protectedTlvSize,
      imageSize: h.imageSize,
      flags: flagNames(h.flags),
      version: formatVersion(h.version),
    },
    tlvs: [...image.protectedTlvs.map(describe(true)), ...image.tlvs.map(describe(false))],
    hash: verification.hash,
    signature: verification.signature,
    ...(manifest ? { manifest } : {}),
    problems,
  };
}
