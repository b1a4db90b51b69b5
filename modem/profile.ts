import { ErrorCode, SimError } from '../core/errors.js';
import type { LinkPresetName, LinkProfile } from '../core/link.js';
import {
  DEFAULT_CREDENTIAL_LIMITS,
  type CredentialInput,
  type CredentialLimits,
} from './credentials/types.js';
import { deriveIdentity, validateIdentity, type ModemIdentity } from './identity.js';
import { deriveNeighbours } from './network/neighbours.js';
import { DEFAULT_RADIO, type RadioProfile } from './network/radio.js';
import { DEFAULT_TIMINGS, type NetworkProfile, type NetworkTimings } from './network/types.js';
import { DEFAULT_DNS, type DnsProfile } from './sockets/dns.js';
import { DEFAULT_SOCKET_PROFILE, type SocketProfile } from './sockets/socket-context.js';

/** Readings the modem reports; `modem/control` changes them at run time. */
export interface SensorProfile {
  /** `%XTEMP`, degrees Celsius. */
  temperatureC: number;
  /** `%XVBAT`, millivolts. */
  batteryMv: number;
}

/** Limits of the AT interface. */
export interface AtProfile {
  /** Longest command line accepted; longer lines are discarded with `ERROR`. */
  maxLineLength: number;
  /** Quiet time after which an unterminated quoted string is dropped with `ERROR`. */
  quoteTimeoutMs: number;
}

/** The credential store's budgets and what a factory-new device ships with (spec §2.3, §2.4). */
export interface CredentialProfile extends CredentialLimits {
  /** Written into a store that was never saved to, e.g. nRF Cloud's CA, certificate and key at 16842753. */
  factory: CredentialInput[];
}

/** Everything that makes one simulated modem differ from another. */
export interface ModemProfile {
  identity: ModemIdentity;
  sensors: SensorProfile;
  at: AtProfile;
  credentials: CredentialProfile;
  /** The resolver table `getaddrinfo` and `AT#XGETADDRINFO` answer from. */
  dns: DnsProfile;
  /** The radio link every socket of the device goes through: a preset name or figures. */
  link: LinkProfile | LinkPresetName;
  sockets: SocketProfile;
  network: NetworkProfile;
}

/** Network values to override; the rest come from {@link DEFAULT_RADIO} and {@link DEFAULT_TIMINGS}. */
export interface NetworkProfileInput {
  radio?: Partial<Omit<RadioProfile, 'cell' | 'signal'>> & {
    cell?: Partial<RadioProfile['cell']>;
    signal?: Partial<RadioProfile['signal']>;
  };
  timings?: Partial<NetworkTimings>;
  grantPsm?: boolean;
}

export interface ProfileInput {
  /** Seed for every derived value; defaults to the device name. */
  seed?: string;
  identity?: Partial<ModemIdentity>;
  sensors?: Partial<SensorProfile>;
  at?: Partial<AtProfile>;
  credentials?: Partial<CredentialProfile>;
  network?: NetworkProfileInput;
  /** Entries are added to the default table (loopback for AWS IoT, S3 and nRF Cloud names). */
  dns?: Partial<DnsProfile>;
  link?: LinkProfile | LinkPresetName;
  sockets?: Partial<SocketProfile>;
}

export const DEFAULT_SENSORS: SensorProfile = { temperatureC: 24, batteryMv: 3600 };
export const DEFAULT_AT: AtProfile = { maxLineLength: 16 * 1024, quoteTimeoutMs: 2000 };

/** Builds a complete profile for device `name`; throws INVALID_ARGUMENT on an invalid identity field. */
export function buildProfile(name: string, input: ProfileInput = {}): ModemProfile {
  const identity = deriveIdentity(input.seed ?? name, input.identity);
  const problems = validateIdentity(identity);
  if (problems.length > 0) throw new SimError(ErrorCode.INVALID_ARGUMENT, problems.join('; '));
  return {
    identity,
    sensors: { ...DEFAULT_SENSORS, ...input.sensors },
    at: { ...DEFAULT_AT, ...input.at },
    credentials: { ...DEFAULT_CREDENTIAL_LIMITS, factory: [], ...input.credentials },
    dns: { ...DEFAULT_DNS, ...input.dns, table: { ...DEFAULT_DNS.table, ...input.dns?.table } },
    link: input.link ?? 'ideal',
    sockets: { ...DEFAULT_SOCKET_PROFILE, ...input.sockets },
    network: buildNetworkProfile(input.seed ?? name, input.network),
  };
}

/** The network side; neighbour cells the input does not name are derived from the seed. */
function buildNetworkProfile(seed: string, input: NetworkProfileInput = {}): NetworkProfile {
  const radio = input.radio ?? {};
  const cell = { ...DEFAULT_RADIO.cell, ...radio.cell };
  const signal = { ...DEFAULT_RADIO.signal, ...radio.signal };
  return {
    radio: {
      ...DEFAULT_RADIO,
      ...radio,
      cell,
      signal,
      neighbours: radio.neighbours ?? deriveNeighbours(seed, cell, signal),
    },
    timings: { ...DEFAULT_TIMINGS, ...input.timings },
    grantPsm: input.grantPsm ?? true,
  };
}
