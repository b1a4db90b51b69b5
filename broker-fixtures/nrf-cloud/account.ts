import type { Clock } from '../../core/clock.js';
import type { Random } from '../../core/random.js';
import type { StateStore } from '../store/store.js';
import { commitChecked } from './checked-commit.js';
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
  // On a shared store (a broker cluster) the first node to start writes the team, the others
  // read it: the write happens only if the record is still what this node read.
  return commitChecked(store, 'the nRF Cloud team', async () => {
    const stored = await store.get<NrfCloudAccount>('nrfcloud-account', 'team');
    const account: NrfCloudAccount = {
      ...stored,
      tenantId: options.tenantId ?? stored?.tenantId ?? uuidFrom(random),
      name: options.teamName ?? stored?.name ?? 'nrf91sim team',
      apiKey: options.apiKey ?? stored?.apiKey ?? random.bytes(20).toString('hex'),
      createdAt: stored?.createdAt ?? clock.now(),
    };
    const same =
      stored &&
      stored.tenantId === account.tenantId &&
      stored.apiKey === account.apiKey &&
      stored.name === account.name;
    return {
      expect: [{ collection: 'nrfcloud-account', key: 'team', value: stored }],
      changes: same ? [] : [{ collection: 'nrfcloud-account', key: 'team', value: account }],
      result: same ? stored : account,
    };
  });
}
