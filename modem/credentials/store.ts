import { TypedEmitter } from '../../core/events.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { MemoryCredentialBackend, type CredentialBackend } from './backend.js';
import { credentialSha256, validateCredentialContent } from './content.js';
import {
  compareCredentials,
  credentialKey,
  DEFAULT_CREDENTIAL_LIMITS,
  isCredentialType,
  isReadableType,
  isUserSecTag,
  SEC_TAG_MAX,
  type CredentialInfo,
  type CredentialInput,
  type CredentialLimits,
  type CredentialType,
  type StoredCredential,
} from './types.js';

export interface CredentialStoreOptions {
  limits?: Partial<CredentialLimits>;
  /** What a factory-new device ships with; written only when the backend was never saved to. */
  factory?: readonly CredentialInput[];
}

export interface CredentialFilter {
  secTag?: number;
  type?: CredentialType;
}

export type CredentialStoreEvents = {
  /** An item was written or deleted (after it is durable). */
  change: [op: 'put' | 'delete', secTag: number, type: CredentialType];
};

function toInfo(item: StoredCredential): CredentialInfo {
  return {
    secTag: item.secTag,
    type: item.type,
    origin: item.origin,
    sha256: item.sha256,
    size: item.content.length,
  };
}

function notFound(secTag: number, type: number): SimError {
  return new SimError(ErrorCode.CREDENTIAL_NOT_FOUND, `no credential of type ${type} at sec tag ${secTag}`);
}

/** Validates an input and turns it into the record the store keeps. */
function prepare(input: CredentialInput): StoredCredential {
  if (!isUserSecTag(input.secTag)) {
    throw new SimError(
      ErrorCode.CREDENTIAL_INVALID,
      `sec tag ${input.secTag} is not an integer 0-${SEC_TAG_MAX}`,
    );
  }
  if (!isCredentialType(input.type)) {
    throw new SimError(ErrorCode.CREDENTIAL_INVALID, `credential type ${String(input.type)} does not exist`);
  }
  // nRF91 AT ref %CMNG: the password belongs to an encrypted private key and is ignored for other types.
  const password = input.type === 2 || input.type === 8 ? input.password : undefined;
  // Content is bytes, one character each, as the AT interface carries it: text beyond latin1 must be
  // encoded first (Buffer.from(text).toString('latin1') gives its UTF-8 bytes).
  if ([...input.content].some((c) => c.charCodeAt(0) > 0xff)) {
    throw new SimError(ErrorCode.CREDENTIAL_INVALID, 'content must be bytes (one latin1 character per byte)');
  }
  // Everything stored must be writable and readable through a quoted AT string.
  if (input.content.includes('"') || password?.includes('"')) {
    throw new SimError(ErrorCode.CREDENTIAL_INVALID, 'content and password must not contain a double quote');
  }
  validateCredentialContent(input.type, input.content, password);
  return {
    secTag: input.secTag,
    type: input.type,
    content: input.content,
    ...(password !== undefined ? { password } : {}),
    origin: input.origin ?? 'user',
    sha256: credentialSha256(input.content),
  };
}

/**
 * The modem's credential store (ncs-behaviour §2): items keyed by `(secTag, type)`, validated on the
 * way in, within a per-item and a total budget, and durable through a {@link CredentialBackend}
 * before a write is acknowledged. Reads are served from memory; writes run one at a time, and a write
 * that fails (bad content, over budget, the disk refusing) leaves the store exactly as it was.
 *
 * This is also the host-side face tests and the CLI use (`modem.control.credentials`): it bypasses the
 * AT rules that depend on the modem's state (LTE active), not the content rules.
 */
export class CredentialStore extends TypedEmitter<CredentialStoreEvents> {
  readonly limits: CredentialLimits;
  private items = new Map<string, StoredCredential>();
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly backend: CredentialBackend,
    limits: CredentialLimits,
    items: readonly StoredCredential[],
  ) {
    super();
    this.limits = limits;
    for (const item of items) this.items.set(credentialKey(item.secTag, item.type), item);
  }

  /** Opens a store over `backend`; a fresh backend gets the factory credentials first. */
  static async open(
    backend: CredentialBackend,
    options: CredentialStoreOptions = {},
  ): Promise<CredentialStore> {
    const limits = { ...DEFAULT_CREDENTIAL_LIMITS, ...options.limits };
    const loaded = await backend.load();
    if (!loaded.fresh || !options.factory?.length) return new CredentialStore(backend, limits, loaded.items);
    const store = new CredentialStore(backend, limits, []);
    for (const input of options.factory) await store.put(input);
    return store;
  }

  /** A store kept in memory only, ready at once (the default for a modem without a state directory). */
  static inMemory(options: CredentialStoreOptions = {}): CredentialStore {
    const limits = { ...DEFAULT_CREDENTIAL_LIMITS, ...options.limits };
    const staging = new CredentialStore(new MemoryCredentialBackend([]), limits, []);
    for (const input of options.factory ?? []) staging.admit(prepare(input));
    const items = [...staging.items.values()].sort(compareCredentials);
    return new CredentialStore(new MemoryCredentialBackend(items), limits, items);
  }

  /** Items without their content, as `%CMNG=1` lists them (by sec tag, then type). */
  list(filter: CredentialFilter = {}): CredentialInfo[] {
    return [...this.items.values()]
      .filter(
        (i) =>
          (filter.secTag === undefined || i.secTag === filter.secTag) &&
          (filter.type === undefined || i.type === filter.type),
      )
      .sort(compareCredentials)
      .map(toInfo);
  }

  has(secTag: number, type: number): boolean {
    return this.items.has(credentialKey(secTag, type));
  }

  /** One item's metadata, or undefined. */
  info(secTag: number, type: number): CredentialInfo | undefined {
    const item = this.items.get(credentialKey(secTag, type));
    return item && toInfo(item);
  }

  /**
   * An item with its content, for the host. Private keys the modem generated itself (`%KEYGEN`) never
   * leave it: reading one throws CREDENTIAL_NOT_READABLE. A missing item throws CREDENTIAL_NOT_FOUND.
   */
  read(secTag: number, type: CredentialType): StoredCredential {
    const item = this.items.get(credentialKey(secTag, type));
    if (!item) throw notFound(secTag, type);
    if (item.origin === 'keygen' && !isReadableType(item.type)) {
      throw new SimError(
        ErrorCode.CREDENTIAL_NOT_READABLE,
        `the private key at sec tag ${secTag} was generated in the modem and cannot be exported`,
      );
    }
    return { ...item };
  }

  /** An item with its content for the modem's own use (TLS offload, `%KEYGEN`); never for export. */
  material(secTag: number, type: CredentialType): StoredCredential | undefined {
    const item = this.items.get(credentialKey(secTag, type));
    return item && { ...item };
  }

  /** Bytes and items in use. */
  usage(): { items: number; bytes: number } {
    let bytes = 0;
    for (const item of this.items.values()) bytes += item.content.length;
    return { items: this.items.size, bytes };
  }

  /**
   * Writes or replaces an item. Throws CREDENTIAL_INVALID (bad sec tag, type or content),
   * CREDENTIAL_TOO_LARGE (over the per-item budget) or CREDENTIAL_STORE_FULL (over the total budget);
   * nothing changes then.
   */
  put(input: CredentialInput): Promise<CredentialInfo> {
    return this.exclusive(async () => {
      const item = prepare(input);
      const next = new Map(this.items);
      next.set(credentialKey(item.secTag, item.type), item);
      this.checkBudget(item, next);
      await this.backend.save([...next.values()].sort(compareCredentials));
      this.items = next;
      this.emit('change', 'put', item.secTag, item.type);
      return toInfo(item);
    });
  }

  /** Deletes an item; throws CREDENTIAL_NOT_FOUND when there is none. */
  delete(secTag: number, type: CredentialType): Promise<void> {
    return this.exclusive(async () => {
      const key = credentialKey(secTag, type);
      if (!this.items.has(key)) throw notFound(secTag, type);
      const next = new Map(this.items);
      next.delete(key);
      await this.backend.save([...next.values()].sort(compareCredentials));
      this.items = next;
      this.emit('change', 'delete', secTag, type);
    });
  }

  private admit(item: StoredCredential): void {
    const next = new Map(this.items);
    next.set(credentialKey(item.secTag, item.type), item);
    this.checkBudget(item, next);
    this.items = next;
  }

  private checkBudget(item: StoredCredential, next: ReadonlyMap<string, StoredCredential>): void {
    const size = item.content.length;
    if (size > this.limits.maxItemBytes) {
      throw new SimError(
        ErrorCode.CREDENTIAL_TOO_LARGE,
        `credential of ${size} bytes exceeds the ${this.limits.maxItemBytes}-byte limit per credential`,
      );
    }
    let total = 0;
    for (const i of next.values()) total += i.content.length;
    if (total > this.limits.maxTotalBytes) {
      throw new SimError(
        ErrorCode.CREDENTIAL_STORE_FULL,
        `the credential store would hold ${total} bytes, over its ${this.limits.maxTotalBytes}-byte budget`,
      );
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
