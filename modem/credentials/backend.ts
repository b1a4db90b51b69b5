import type { StoredCredential } from './types.js';

/** What a backend found when the store opened. */
export interface LoadedCredentials {
  items: StoredCredential[];
  /** Nothing was ever saved here: a factory-new device, which gets its profile's factory credentials. */
  fresh: boolean;
}

/**
 * Where a credential store keeps its items: the plug-in behind {@link CredentialStore}, as aedes has
 * persistence plug-ins. The store owns every rule (validation, budgets, hashes); a backend only keeps
 * the set. Every backend passes test/unit/credential-store-conformance.ts.
 *
 * Rules every backend keeps:
 * - `save` replaces the whole set atomically: after it resolves, `load` returns exactly `items`; if it
 *   rejects, `load` still returns the previous set (a power cut mid-save never tears the store).
 * - Content comes back byte for byte (CR, LF, any latin1 character).
 * - `load` on a location never saved to returns `{ items: [], fresh: true }`.
 */
export interface CredentialBackend {
  /** `memory`, `file`, or a plug-in's own name. */
  readonly kind: string;
  load(): Promise<LoadedCredentials>;
  save(items: readonly StoredCredential[]): Promise<void>;
}

function copy(items: readonly StoredCredential[]): StoredCredential[] {
  return items.map((item) => ({ ...item }));
}

/** Keeps the set in this object only: a device without a state directory forgets it at exit. */
export class MemoryCredentialBackend implements CredentialBackend {
  readonly kind = 'memory';
  private items: StoredCredential[] | undefined;

  /** `initial` seeds the backend as if it had been saved before (not fresh). */
  constructor(initial?: readonly StoredCredential[]) {
    this.items = initial ? copy(initial) : undefined;
  }

  async load(): Promise<LoadedCredentials> {
    return { items: copy(this.items ?? []), fresh: this.items === undefined };
  }

  async save(items: readonly StoredCredential[]): Promise<void> {
    this.items = copy(items);
  }
}
