import { createHash } from 'node:crypto';
import tls from 'node:tls';
import type { CredentialStore } from '../credentials/store.js';
import type { StoredCredential } from '../credentials/types.js';
import { Errno, SocketError } from './errno.js';

/** What a TLS socket takes from its sec tags (ncs-behaviour §3.1, "TLS handshake emulation"). */
export interface TlsMaterial {
  /** Every CA (type 0) of every listed tag: the modem trusts nothing else. */
  ca: string[];
  /** The first tag that has a client certificate (type 1) gives it and its key (type 2). */
  cert?: string;
  key?: string;
  passphrase?: string;
  /** The first tag with a PSK (type 3, hex) and identity (type 4). */
  psk?: Buffer;
  pskIdentity?: string;
  /** Hash over everything above: the key of the SecureContext cache. */
  fingerprint: string;
}

function content(item: StoredCredential | undefined): string | undefined {
  return item?.content;
}

export function collectMaterial(store: CredentialStore, tags: readonly number[]): TlsMaterial {
  const ca: string[] = [];
  let cert: StoredCredential | undefined;
  let key: StoredCredential | undefined;
  let psk: string | undefined;
  let pskIdentity: string | undefined;
  for (const tag of tags) {
    const c = content(store.material(tag, 0));
    if (c) ca.push(c);
    if (!cert) {
      const candidate = store.material(tag, 1);
      if (candidate) {
        cert = candidate;
        key = store.material(tag, 2);
      }
    }
    if (psk === undefined) {
      const p = content(store.material(tag, 3));
      const id = content(store.material(tag, 4));
      if (p && id) {
        psk = p;
        pskIdentity = id;
      }
    }
  }
  const hash = createHash('sha256');
  for (const part of [
    ...ca,
    '|',
    cert?.content ?? '',
    '|',
    key?.content ?? '',
    key?.password ?? '',
    psk ?? '',
  ]) {
    hash.update(part, 'latin1');
    hash.update('\0');
  }
  return {
    ca,
    ...(cert ? { cert: cert.content } : {}),
    ...(key ? { key: key.content } : {}),
    ...(key?.password !== undefined ? { passphrase: key.password } : {}),
    ...(psk !== undefined ? { psk: Buffer.from(psk, 'hex') } : {}),
    ...(pskIdentity !== undefined ? { pskIdentity } : {}),
    fingerprint: hash.digest('hex'),
  };
}

/**
 * SecureContexts built from sec tags, one per credential set and cipher/version setting, reused
 * across connections (building one parses every certificate and key). Emptied when the credential
 * store changes.
 */
export class SecureContextCache {
  private readonly contexts = new Map<string, tls.SecureContext>();
  private readonly onChange = (): void => this.contexts.clear();

  constructor(private readonly store: CredentialStore) {
    store.on('change', this.onChange);
  }

  /** Stops following the store (the store outlives a modem across power cycles). */
  dispose(): void {
    this.store.off('change', this.onChange);
    this.contexts.clear();
  }

  /** Throws SocketError(EINVAL) when the stored certificate and key do not load together. */
  get(material: TlsMaterial, ciphers: string, maxVersion: tls.SecureVersion): tls.SecureContext {
    const id = `${material.fingerprint}|${ciphers}|${maxVersion}`;
    let context = this.contexts.get(id);
    if (context) return context;
    try {
      context = tls.createSecureContext({
        ca: material.ca,
        ...(material.cert && material.key ? { cert: material.cert, key: material.key } : {}),
        ...(material.passphrase !== undefined ? { passphrase: material.passphrase } : {}),
        ciphers,
        minVersion: 'TLSv1.2',
        maxVersion,
      });
    } catch (err) {
      // aws_iot reads -EINVAL from connect() as "private key problem".
      throw new SocketError(Errno.EINVAL, `credentials do not load: ${(err as Error).message}`);
    }
    this.contexts.set(id, context);
    return context;
  }
}
