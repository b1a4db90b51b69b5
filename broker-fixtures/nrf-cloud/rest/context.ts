import type { Clock } from '../../../core/clock.js';
import type { Random } from '../../../core/random.js';
import type { CertificateAuthority } from '../../pki/certificate-authority.js';
import type { StateStore } from '../../store/store.js';
import type { NrfCloudDevices } from '../devices.js';
import type { NrfCloudFota } from '../fota/fota.js';
import type { NrfCloudMessages } from '../messages.js';
import type { NrfCloudShadows } from '../shadows.js';
import type { NrfCloudAccount } from '../types.js';
import { badRequest } from './router.js';

/** What the REST routes work with (the stand-in's parts). */
export interface RestContext {
  store: StateStore;
  clock: Clock;
  random: Random;
  ca: CertificateAuthority;
  account(): NrfCloudAccount;
  /**
   * Changes the team record: `change` gets the stored team (it may throw to refuse) and is run
   * again when another broker node changed the team in between.
   */
  updateAccount(change: (current: NrfCloudAccount) => NrfCloudAccount): Promise<NrfCloudAccount>;
  prefix: string;
  mqttEndpoint: string;
  devices: NrfCloudDevices;
  shadows: NrfCloudShadows;
  messages: NrfCloudMessages;
  fota: NrfCloudFota;
}

export const iso = (ms: number): string => new Date(ms).toISOString();

/** A whole-number query parameter within bounds, or the default. */
export function intParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw badRequest(`${name} must be a whole number ${min}-${max}`);
  }
  return n;
}

export function boolParam(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  return raw === 'true' || raw === '1';
}

/** Epoch ms from an ISO 8601 date or a number of milliseconds. */
export function timeParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(n)) throw badRequest(`${name} must be an ISO 8601 date or epoch milliseconds`);
  return n;
}
