import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ErrorCode, SimError } from '../../core/errors.js';
import { issueDeviceCertificate, type LocalCa } from './local-ca.js';
import type { CredentialStore } from './store.js';
import {
  CREDENTIAL_TYPE_NAMES,
  isCredentialType,
  NRF_CLOUD_SEC_TAG,
  type CredentialInput,
  type CredentialType,
} from './types.js';

export interface NrfCloudProvisioning {
  /** The CA that issues the device certificate; its certificate also goes in as the root CA (type 0). */
  ca: LocalCa;
  /** The certificate's common name: nRF Cloud's client id, `nrf-<IMEI>` (spec §1.3). */
  clientId: string;
  /** Epoch ms from the Clock, for the certificate's validity. */
  now: number;
  secTag?: number;
}

/**
 * Gives a device what a DK ships with for nRF Cloud (spec §2.4): at sec tag 16842753 the CA (type 0),
 * a client certificate (1) issued by `ca`, and its private key (2). Items already there are kept, so
 * the certificate stays the same from boot to boot; a missing certificate or key replaces both, so they
 * always match. A root CA other than `ca`'s (credentials from another CA) replaces all three.
 * Returns the types written.
 */
export async function provisionNrfCloud(
  store: CredentialStore,
  options: NrfCloudProvisioning,
): Promise<CredentialType[]> {
  const secTag = options.secTag ?? NRF_CLOUD_SEC_TAG;
  const written: CredentialType[] = [];
  const root = store.has(secTag, 0) ? store.read(secTag, 0).content : undefined;
  const otherCa = root !== undefined && root.trim() !== options.ca.certPem.trim();
  if (root === undefined || otherCa) {
    await store.put({ secTag, type: 0, content: options.ca.certPem });
    written.push(0);
  }
  if (otherCa || !store.has(secTag, 1) || !store.has(secTag, 2)) {
    const issued = await issueDeviceCertificate(options.ca, options.clientId, options.now);
    await store.put({ secTag, type: 2, content: issued.keyPem });
    await store.put({ secTag, type: 1, content: issued.certPem });
    written.push(1, 2);
  }
  return written;
}

/** One entry of a `--credentials` manifest: content inline or from a file beside the manifest. */
export interface CredentialManifestEntry {
  secTag: number;
  /** A number (0-6) or a name (`ROOT_CA_CERT`, `CLIENT_CERT`, `CLIENT_KEY`, `PSK`, `PSK_ID`, `PUB_KEY`). */
  type: number | string;
  file?: string;
  content?: string;
  password?: string;
}

function manifestError(file: string, message: string, cause?: unknown): SimError {
  return new SimError(
    ErrorCode.INVALID_ARGUMENT,
    `${file}: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function typeOf(file: string, value: unknown, index: number): CredentialType {
  const byName = Object.entries(CREDENTIAL_TYPE_NAMES).find(([, name]) => name === value)?.[0];
  const type = typeof value === 'number' ? value : byName !== undefined ? Number(byName) : NaN;
  if (!isCredentialType(type))
    throw manifestError(file, `entry ${index + 1}: unknown credential type ${JSON.stringify(value)}`);
  return type;
}

/**
 * Reads a JSON manifest, `[{"secTag": 42, "type": "ROOT_CA_CERT", "file": "ca.pem"}, ...]`, into store
 * inputs. File paths are relative to the manifest; file content is taken byte for byte.
 */
export async function loadCredentialManifest(file: string): Promise<CredentialInput[]> {
  let entries: unknown;
  try {
    entries = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw manifestError(file, `cannot read a JSON credential manifest (${(err as Error).message})`, err);
  }
  if (!Array.isArray(entries))
    throw manifestError(file, 'expected a JSON array of {secTag, type, file|content}');
  const inputs: CredentialInput[] = [];
  for (const [i, raw] of entries.entries()) {
    const entry = raw as Partial<CredentialManifestEntry>;
    if (typeof entry?.secTag !== 'number' || (entry.file === undefined) === (entry.content === undefined)) {
      throw manifestError(file, `entry ${i + 1}: needs a numeric secTag and exactly one of file or content`);
    }
    let content = entry.content;
    if (entry.file !== undefined) {
      const source = path.resolve(path.dirname(file), entry.file);
      content = await fs.readFile(source, 'latin1').catch((err: Error) => {
        throw manifestError(file, `entry ${i + 1}: cannot read ${source} (${err.message})`, err);
      });
    }
    inputs.push({
      secTag: entry.secTag,
      type: typeOf(file, entry.type, i),
      content: content as string,
      ...(typeof entry.password === 'string' ? { password: entry.password } : {}),
    });
  }
  return inputs;
}
