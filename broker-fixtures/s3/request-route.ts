import type { IncomingMessage } from 'node:http';

export interface S3Route {
  bucket: string | undefined;
  key: string | undefined;
  /** The decoded path the signature covers. */
  path: string;
}

/**
 * Bucket and key of a request, path-style (`/bucket/key`) or virtual-hosted (`Host: bucket.s3…`).
 * Undefined when the path holds a malformed percent-escape (`%ZZ`): S3 answers 400 InvalidURI.
 */
export function routeOf(req: IncomingMessage, pathname: string): S3Route | undefined {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  const virtual =
    /^(.+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(host) ?? /^(.+)\.localhost$/.exec(host);
  if (virtual?.[1]) {
    const key = decoded.slice(1);
    return { bucket: virtual[1], key: key || undefined, path: decoded };
  }
  const [, bucket = '', ...rest] = decoded.split('/');
  const key = rest.join('/');
  return { bucket: bucket || undefined, key: key || undefined, path: decoded };
}
