import { createHash } from 'node:crypto';
import { ErrorCode, SimError } from '../core/errors.js';
import { isLinkPresetName, LINK_PRESET_NAMES, type LinkPresetName } from '../core/link.js';
import { validateDeviceName } from '../firmware/device.js';
import { luhnCheckDigit, NRF9160_TAC } from '../modem/identity.js';
import type { ProfileInput } from '../modem/profile.js';

/**
 * How a device gets its MQTT credentials:
 * - `fleet-ca`: the worker that runs it makes a P-256 key and a certificate signed by the fleet's
 *   CA, and the runner registers the thing (`thingName`, default `nrf-<IMEI>`) with the broker;
 * - `pem`: given credentials, written to the device's credential store on first boot;
 * - `none`: the device boots with what its credential store already holds.
 * In every case the credentials go to `secTag` (the image's `config.secTag`) on first boot only:
 * a device that has booted before keeps its own store.
 */
export type CredentialRecipe =
  | { kind: 'fleet-ca'; secTag: number; thingName?: string }
  | { kind: 'pem'; secTag: number; caPem: string; certificatePem: string; privateKeyPem: string }
  | { kind: 'none' };

/** The image a device runs: an application of the registry by name, with its configuration. */
export interface ImageSpec {
  app: string;
  version: string;
  config: Record<string, unknown>;
}

/**
 * One device of a fleet, as plain JSON: it crosses to the worker that runs the device. Each device
 * keeps its own modem, credential store, flash and files under `<state>/devices/<name>/`.
 */
export interface DeviceSpec {
  name: string;
  /** Seeds the identity (IMEI, ICCID, …); default the name. */
  seed?: string;
  /** The modem profile (JSON: no functions, no buffers). */
  profile?: ProfileInput;
  credentials: CredentialRecipe;
  image: ImageSpec;
  link?: LinkPresetName;
}

function fail(what: string): never {
  throw new SimError(ErrorCode.INVALID_ARGUMENT, `device spec: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `v` survives JSON unchanged (plain objects, arrays, strings, finite numbers, booleans, null). */
function isJson(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (isObject(v) && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every(isJson);
  return false;
}

function secTag(v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 2147483647) {
    fail('credentials.secTag must be an integer 0-2147483647');
  }
  return v as number;
}

function pemField(c: Record<string, unknown>, key: string): string {
  const v = c[key];
  if (typeof v !== 'string' || !v.includes('-----BEGIN ')) fail(`credentials.${key} must be a PEM string`);
  return v;
}

function parseCredentials(v: unknown): CredentialRecipe {
  if (!isObject(v)) fail('credentials must be an object with a "kind"');
  switch (v.kind) {
    case 'fleet-ca': {
      if (
        v.thingName !== undefined &&
        (typeof v.thingName !== 'string' || !/^[a-zA-Z0-9:_-]{1,128}$/.test(v.thingName))
      ) {
        fail('credentials.thingName must be 1-128 of a-z A-Z 0-9 : _ -');
      }
      return {
        kind: 'fleet-ca',
        secTag: secTag(v.secTag),
        ...(typeof v.thingName === 'string' ? { thingName: v.thingName } : {}),
      };
    }
    case 'pem':
      return {
        kind: 'pem',
        secTag: secTag(v.secTag),
        caPem: pemField(v, 'caPem'),
        certificatePem: pemField(v, 'certificatePem'),
        privateKeyPem: pemField(v, 'privateKeyPem'),
      };
    case 'none':
      return { kind: 'none' };
    default:
      return fail(`credentials.kind ${JSON.stringify(v.kind)}: use fleet-ca, pem or none`);
  }
}

function parseImage(v: unknown): ImageSpec {
  if (!isObject(v)) fail('image must be an object {app, version, config}');
  if (typeof v.app !== 'string' || v.app === '') fail('image.app must name an application');
  if (typeof v.version !== 'string' || !/^\d+\.\d+\.\d+(\+\d+)?$/.test(v.version)) {
    fail('image.version must look like 1.2.3');
  }
  const config = v.config ?? {};
  if (!isObject(config) || !isJson(config)) fail('image.config must be a JSON object');
  return { app: v.app, version: v.version, config };
}

/** Checks a spec that came as JSON (a file, a worker message); throws INVALID_ARGUMENT naming the field. */
export function parseDeviceSpec(input: unknown): DeviceSpec {
  if (!isObject(input)) fail('expected an object');
  if (typeof input.name !== 'string') fail('name must be a string');
  validateDeviceName(input.name);
  if (input.seed !== undefined && (typeof input.seed !== 'string' || input.seed === '')) {
    fail('seed must be a non-empty string');
  }
  if (input.profile !== undefined && (!isObject(input.profile) || !isJson(input.profile))) {
    fail('profile must be a JSON object');
  }
  if (input.link !== undefined && (typeof input.link !== 'string' || !isLinkPresetName(input.link))) {
    fail(`link must be one of ${LINK_PRESET_NAMES.join(', ')}`);
  }
  return {
    name: input.name,
    ...(input.seed !== undefined ? { seed: input.seed as string } : {}),
    ...(input.profile !== undefined ? { profile: input.profile as ProfileInput } : {}),
    credentials: parseCredentials(input.credentials),
    image: parseImage(input.image),
    ...(input.link !== undefined ? { link: input.link as LinkPresetName } : {}),
  };
}

export function serializeDeviceSpec(spec: DeviceSpec): string {
  return JSON.stringify(parseDeviceSpec(spec));
}

/** The profile a spec's device boots with: its profile, its seed and its link preset. */
export function specProfile(spec: DeviceSpec): ProfileInput {
  return {
    ...spec.profile,
    ...(spec.seed !== undefined ? { seed: spec.seed } : {}),
    ...(spec.link !== undefined ? { link: spec.link } : {}),
  };
}

export interface FleetSpecOptions {
  count: number;
  /** Names are `<prefix>-<i>` (default `fleet`). */
  prefix?: string;
  image: ImageSpec;
  credentials: CredentialRecipe;
  link?: LinkPresetName;
  profile?: ProfileInput;
}

const SERIALS = 1_000_000;

/**
 * The IMEI of device `index` of the fleet named `prefix`: the nRF9160 TAC, a 6-digit serial that
 * counts up from a start the prefix picks, and the Luhn digit. A fleet's devices never share an
 * IMEI (and so never a thing name `nrf-<IMEI>` or an MQTT client id), which IMEIs derived from each
 * name's own seed would, some 50 times in 10,000.
 */
export function fleetImei(prefix: string, index: number): string {
  const start = Number.parseInt(
    createHash('sha256').update(`fleet-imei:${prefix}`).digest('hex').slice(0, 8),
    16,
  );
  const body = NRF9160_TAC + String((start + index) % SERIALS).padStart(6, '0');
  return body + luhnCheckDigit(body);
}

/** `count` devices on one image: what `nrf91sim fleet boot --count N` runs. */
export function fleetSpecs(options: FleetSpecOptions): DeviceSpec[] {
  if (!Number.isInteger(options.count) || options.count < 1 || options.count > SERIALS) {
    fail(`count must be a whole number from 1 to ${SERIALS}`);
  }
  const prefix = options.prefix ?? 'fleet';
  return Array.from({ length: options.count }, (_, i) =>
    parseDeviceSpec({
      name: `${prefix}-${i}`,
      credentials: options.credentials,
      image: options.image,
      ...(options.link ? { link: options.link } : {}),
      profile: {
        ...options.profile,
        identity: { ...options.profile?.identity, imei: fleetImei(prefix, i) },
      },
    }),
  );
}
