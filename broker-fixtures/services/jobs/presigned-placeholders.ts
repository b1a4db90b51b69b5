import { isObject, type JsonValue } from '../shadow/json.js';

/**
 * `${aws:iot:s3-presigned-url:<S3 URL>}` placeholders in job documents (cloud-services.md §2.7):
 * each one is replaced by a freshly signed GET URL every time a device is handed the document;
 * the control plane keeps the placeholder.
 */

export interface S3Location {
  bucket: string;
  key: string;
  /** From the URL's host (`s3.<region>.amazonaws.com`), when it names one. */
  region?: string;
}

/** Signs a GET URL for `location` valid `expiresSeconds`; undefined when no S3 stand-in is there to sign for. */
export type Presigner = (location: S3Location, expiresSeconds: number) => string | undefined;

const PLACEHOLDER = /\$\{aws:iot:s3-presigned-url:([^}]*)\}/g;
// `<bucket>.s3[.-]<region>.amazonaws.com` (virtual-hosted) or `s3[.-]<region>.amazonaws.com` (path-style).
const S3_HOST = /^(?:(.+)\.)?s3(?:[.-]([a-z0-9-]+))?\.amazonaws\.com$/;

/** The bucket and key an S3 URL names, virtual-hosted or path-style; undefined when it is no S3 URL. */
export function parseS3Url(text: string): S3Location | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const m = S3_HOST.exec(url.hostname);
  if (!m) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname).replace(/^\//, '');
  } catch {
    return undefined;
  }
  const region = m[2];
  if (m[1]) return path ? { bucket: m[1], key: path, ...(region ? { region } : {}) } : undefined;
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) return undefined;
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1), ...(region ? { region } : {}) };
}

/** The URLs of every placeholder in the document's text. */
export function placeholderUrls(documentText: string): string[] {
  return [...documentText.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/**
 * The document with each placeholder in its strings replaced by `presign`'s URL. A placeholder the
 * presigner cannot sign for stays as it is (and `unresolved` counts it).
 */
export function resolvePlaceholders(
  document: JsonValue,
  presign: (location: S3Location) => string | undefined,
): { document: JsonValue; unresolved: number } {
  let unresolved = 0;
  const walk = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') {
      return value.replace(PLACEHOLDER, (whole, url: string) => {
        const location = parseS3Url(url);
        const signed = location ? presign(location) : undefined;
        if (signed === undefined) unresolved++;
        return signed ?? whole;
      });
    }
    if (Array.isArray(value)) return value.map(walk);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return { document: walk(document), unresolved };
}
