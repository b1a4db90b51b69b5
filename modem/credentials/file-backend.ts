import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { CredentialBackend, LoadedCredentials } from './backend.js';
import { credentialSha256 } from './content.js';
import { isCredentialType, type StoredCredential } from './types.js';

/** The on-disk form of `credentials.json`. */
interface CredentialFile {
  version: 1;
  credentials: StoredCredential[];
}

function corrupt(file: string, reason: string, cause?: unknown): SimError {
  return new SimError(ErrorCode.STATE_CORRUPT, `${file}: ${reason}; fix or delete it`, { cause });
}

function parseItem(file: string, raw: unknown, index: number): StoredCredential {
  const r = raw as Partial<StoredCredential> | null;
  if (
    !r ||
    typeof r !== 'object' ||
    !Number.isSafeInteger(r.secTag) ||
    typeof r.type !== 'number' ||
    !isCredentialType(r.type) ||
    typeof r.content !== 'string' ||
    (r.password !== undefined && typeof r.password !== 'string')
  ) {
    throw corrupt(file, `credential #${index + 1} is not {secTag, type, content}`);
  }
  // The hash is derived from the content, so an edited content never lists a stale hash.
  return {
    secTag: r.secTag as number,
    type: r.type,
    content: r.content,
    ...(r.password !== undefined ? { password: r.password } : {}),
    origin: r.origin === 'keygen' ? 'keygen' : 'user',
    sha256: credentialSha256(r.content),
  };
}

/**
 * Keeps the set in one JSON file (`<state>/devices/<name>/credentials.json`), readable by people:
 * PEM content stays text. Each save rewrites the file atomically (temp file, fsync, rename) with
 * mode 0600, as it holds private keys.
 */
export class FileCredentialBackend implements CredentialBackend {
  readonly kind = 'file';

  constructor(readonly file: string) {}

  async load(): Promise<LoadedCredentials> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], fresh: true };
      throw err;
    }
    let parsed: Partial<CredentialFile>;
    try {
      parsed = JSON.parse(text) as Partial<CredentialFile>;
    } catch (err) {
      throw corrupt(this.file, 'not valid JSON', err);
    }
    if (parsed?.version !== 1 || !Array.isArray(parsed.credentials)) {
      throw corrupt(this.file, 'expected {"version": 1, "credentials": [...]}');
    }
    const items = parsed.credentials.map((raw, i) => parseItem(this.file, raw, i));
    return { items, fresh: false };
  }

  async save(items: readonly StoredCredential[]): Promise<void> {
    const body: CredentialFile = { version: 1, credentials: items.map((item) => ({ ...item })) };
    await writeFileAtomic(this.file, `${JSON.stringify(body, null, 2)}\n`, 0o600);
  }
}
