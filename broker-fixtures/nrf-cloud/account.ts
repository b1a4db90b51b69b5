import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { StateStore } from '../store/store.js';
import type { NrfCloudAccount } from './types.js';

/** A version-4 UUID from the seeded generator (tenant ids, job ids, bundle ids). */
export function uuidFrom(random: Random): string {
  const b = random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface AccountOptions {
  tenantId?: string;
  apiKey?: string;
  teamName?: string;
}

/**
 * The team of this state directory, made on first start (tenant id and API key drawn from the
 * seeded generator, or as given) and kept in the store, so devices keep their topic prefix and
 * scripts their key across restarts. Options given later override what is stored.
 */
export async function loadAccount(
  store: StateStore,
  clock: Clock,
  random: Random,
  options: AccountOptions = {},
): Promise<NrfCloudAccount> {
  const stored = await store.get<NrfCloudAccount>('nrfcloud-account', 'team');
  const account: NrfCloudAccount = {
    tenantId: options.tenantId ?? stored?.tenantId ?? uuidFrom(random),
    name: options.teamName ?? stored?.name ?? 'nrf91sim team',
    apiKey: options.apiKey ?? stored?.apiKey ?? random.bytes(20).toString('hex'),
    createdAt: stored?.createdAt ?? clock.now(),
  };
  if (
    !stored ||
    stored.tenantId !== account.tenantId ||
    stored.apiKey !== account.apiKey ||
    stored.name !== account.name
  ) {
    await store.put('nrfcloud-account', 'team', account);
  }
  return account;
}
