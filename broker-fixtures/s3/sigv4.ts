import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** An access key pair, as AWS issues them. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ */
export function uriEncode(text: string, keepSlash = false): string {
  return Array.from(Buffer.from(text, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) return c;
      return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** `20240101T000000Z` and `20240101` for an epoch-ms instant. */
export function amzDate(epochMs: number): { dateTime: string; date: string } {
  const iso = new Date(epochMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return { dateTime: iso, date: iso.slice(0, 8) };
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The SigV4 signing key of a secret for one day, region and service (`s3`, `iot`, `iotdata`, …). */
export function signingKey(secret: string, date: string, region: string, service = 's3'): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

function canonicalQuery(params: [string, string][]): string {
  return params
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** The SigV4 signature of a query-authenticated request (`UNSIGNED-PAYLOAD`, only `host` signed). */
export function querySignature(options: {
  method: string;
  /** The decoded object path, e.g. `/bucket/fw/app_update.bin`. */
  path: string;
  params: [string, string][];
  host: string;
  secretAccessKey: string;
  region: string;
  dateTime: string;
}): string {
  const canonicalRequest = [
    options.method.toUpperCase(),
    uriEncode(options.path, true),
    canonicalQuery(options.params),
    `host:${options.host.trim()}\n`,
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const date = options.dateTime.slice(0, 8);
  const scope = `${date}/${options.region}/s3/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    options.dateTime,
    scope,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  return createHmac('sha256', signingKey(options.secretAccessKey, date, options.region))
    .update(stringToSign, 'utf8')
    .digest('hex');
}

export interface PresignOptions {
  /** Base URL of the server, e.g. `https://127.0.0.1:8443` (path-style) or a virtual host. */
  endpoint: string;
  bucket: string;
  key: string;
  credentials: S3Credentials;
  region: string;
  /** Signing time, epoch ms (from the Clock). */
  now: number;
  /** Validity in seconds: 1..604800 (7 days), AWS's limits. */
  expiresSeconds: number;
  method?: string;
  /** `path` (default): `/<bucket>/<key>`; `virtual`: the bucket is the first label of the host. */
  style?: 'path' | 'virtual';
  /** Adds `X-Amz-Security-Token`, as role-issued URLs (AWS IoT Jobs) carry. */
  sessionToken?: string;
}

/** A presigned URL, built as the AWS SDKs build `X-Amz-*` query-authenticated requests. */
export function presignUrl(o: PresignOptions): string {
  const base = new URL(o.endpoint);
  const style = o.style ?? 'path';
  if (style === 'virtual') base.hostname = `${o.bucket}.${base.hostname}`;
  // An empty key signs the bucket itself (`PUT /bucket` creates it).
  const objectPath =
    style === 'virtual' ? `/${o.key}` : o.key === '' ? `/${o.bucket}` : `/${o.bucket}/${o.key}`;
  const { dateTime, date } = amzDate(o.now);
  const params: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${o.credentials.accessKeyId}/${date}/${o.region}/s3/aws4_request`],
    ['X-Amz-Date', dateTime],
    ['X-Amz-Expires', String(Math.floor(o.expiresSeconds))],
    ...(o.sessionToken ? ([['X-Amz-Security-Token', o.sessionToken]] as [string, string][]) : []),
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const signature = querySignature({
    method: o.method ?? 'GET',
    path: objectPath,
    params,
    host: base.host,
    secretAccessKey: o.credentials.secretAccessKey,
    region: o.region,
    dateTime,
  });
  const signed: [string, string][] = [...params, ['X-Amz-Signature', signature]];
  const query = signed.map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join('&');
  return `${base.protocol}//${base.host}${uriEncode(objectPath, true)}?${query}`;
}

export type PresignCheck =
  | { ok: true }
  | {
      ok: false;
      status: 403;
      code:
        'AccessDenied' | 'SignatureDoesNotMatch' | 'InvalidAccessKeyId' | 'AuthorizationQueryParametersError';
      message: string;
      extra?: Record<string, string>;
    };

/** Verifies a query-authenticated request: known key, matching signature, not expired at `now`. */
export function checkPresigned(o: {
  method: string;
  path: string;
  params: [string, string][];
  host: string;
  /**
   * The port the request arrived on. NCS download_client sends `Host` without the port (it takes
   * the host name alone), so a signature over `host:port` is also accepted for a bare `host`.
   */
  localPort?: number;
  credentials: S3Credentials;
  now: number;
}): PresignCheck {
  const get = (k: string): string | undefined => o.params.find(([n]) => n === k)?.[1];
  const algorithm = get('X-Amz-Algorithm');
  const credential = get('X-Amz-Credential');
  const dateTime = get('X-Amz-Date');
  const expires = Number(get('X-Amz-Expires'));
  const signature = get('X-Amz-Signature');
  if (
    algorithm !== 'AWS4-HMAC-SHA256' ||
    !credential ||
    !dateTime ||
    !signature ||
    !Number.isInteger(expires)
  ) {
    return {
      ok: false,
      status: 403,
      code: 'AuthorizationQueryParametersError',
      message:
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    };
  }
  if (expires < 1 || expires > 604800) {
    return {
      ok: false,
      status: 403,
      code: 'AuthorizationQueryParametersError',
      message: 'X-Amz-Expires must be less than a week (in seconds) that is 604800',
    };
  }
  const [keyId, , region] = credential.split('/');
  if (keyId !== o.credentials.accessKeyId || region === undefined || region === '') {
    return {
      ok: false,
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
    };
  }
  const signatureFor = (host: string): string =>
    querySignature({
      method: o.method,
      path: o.path,
      params: o.params,
      host,
      secretAccessKey: o.credentials.secretAccessKey,
      region,
      dateTime,
    });
  const given = Buffer.from(signature, 'utf8');
  const matches = (expected: string): boolean =>
    given.length === expected.length && timingSafeEqual(given, Buffer.from(expected, 'utf8'));
  const bare = o.host.startsWith('[') ? !o.host.includes(']:') : !o.host.includes(':');
  const withPort = bare && o.localPort !== undefined ? `${o.host}:${o.localPort}` : undefined;
  if (!matches(signatureFor(o.host)) && !(withPort && matches(signatureFor(withPort)))) {
    return {
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  }
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(dateTime);
  const signedAt = m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
  const expiresAt = signedAt + expires * 1000;
  if (!(o.now < expiresAt)) {
    return {
      ok: false,
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
      extra: {
        'X-Amz-Expires': String(expires),
        Expires: new Date(Number.isNaN(expiresAt) ? 0 : expiresAt).toISOString(),
        ServerTime: new Date(o.now).toISOString(),
      },
    };
  }
  return { ok: true };
}
