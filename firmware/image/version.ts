import { ErrorCode, SimError } from '../../core/errors.js';

/** `struct image_version`: u8 major, u8 minor, u16 revision, u32 build number. */
export interface ImageVersion {
  major: number;
  minor: number;
  revision: number;
  build: number;
}

// imgtool's version grammar: maj[.min[.rev[+build]]], no leading zeros.
const VERSION = /^(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*)(?:\+(0|[1-9]\d*))?)?)?$/;

/** Parses `1.0.1`, `1.2`, `2`, `1.0.1+7` as `imgtool sign --version` does; throws INVALID_ARGUMENT. */
export function parseVersion(text: string): ImageVersion {
  const m = VERSION.exec(text.trim().replace(/^v/, ''));
  if (!m) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `version ${JSON.stringify(text)}: expected major.minor.revision+build with later parts optional`,
    );
  }
  const version = {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    revision: Number(m[3] ?? 0),
    build: Number(m[4] ?? 0),
  };
  checkRange(text, 'major', version.major, 0xff);
  checkRange(text, 'minor', version.minor, 0xff);
  checkRange(text, 'revision', version.revision, 0xffff);
  checkRange(text, 'build', version.build, 0xffffffff);
  return version;
}

function checkRange(text: string, field: string, value: number, max: number): void {
  if (value > max) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `version ${text}: ${field} ${value} exceeds ${max}`);
  }
}

/** `1.0.1+7`, or `1.0.1` when the build number is 0 (how NCS prints `ih_ver`). */
export function formatVersion(v: ImageVersion): string {
  const base = `${v.major}.${v.minor}.${v.revision}`;
  return v.build === 0 ? base : `${base}+${v.build}`;
}

/** Orders versions the way MCUboot's `boot_compare_version` does (build number included). */
export function compareVersions(a: ImageVersion, b: ImageVersion): number {
  return a.major - b.major || a.minor - b.minor || a.revision - b.revision || a.build - b.build;
}
