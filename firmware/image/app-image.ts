import { ErrorCode, SimError } from '../../core/errors.js';
import { buildImage, type ImageBuildOptions } from './build.js';
import { decodeAppBody, encodeAppBody, type AppManifest } from './manifest.js';
import { parseImage, type McubootImage } from './parse.js';
import { formatVersion, parseVersion } from './version.js';

export interface AppImageOptions extends Omit<ImageBuildOptions, 'body' | 'version'> {
  /** The sample application, e.g. `at_client`. */
  app: string;
  /** `1.0.1` or `1.0.1+7`; goes into both `ih_ver` and the manifest. */
  version: string;
  config?: Record<string, unknown>;
  /** The lines the image prints on the UART at boot (the default: the kernel's and the sample's). */
  banner?: readonly string[];
  /** Body size in bytes (filler added after the manifest), for realistic download sizes. */
  size?: number;
}

/** Builds a signed or unsigned MCUboot image of a simulated sample application. */
export function buildAppImage(options: AppImageOptions): Buffer {
  const { app, version, config, banner, size, ...rest } = options;
  const canonical = formatVersion(parseVersion(version));
  const manifest = { app, version: canonical, config: config ?? {}, ...(banner ? { banner } : {}) };
  const body = encodeAppBody(manifest, size ?? 0);
  return buildImage({ ...rest, body, version: canonical });
}

/** Parses an application image and its manifest; the manifest version must match `ih_ver`. */
export function readAppImage(bytes: Uint8Array): { image: McubootImage; manifest: AppManifest } {
  const image = parseImage(bytes);
  const manifest = decodeAppBody(image.body);
  const headerVersion = formatVersion(image.header.version);
  if (formatVersion(parseVersion(manifest.version)) !== headerVersion) {
    throw new SimError(
      ErrorCode.IMAGE_BAD_MANIFEST,
      `manifest version ${manifest.version} differs from the header version ${headerVersion}`,
    );
  }
  return { image, manifest };
}
