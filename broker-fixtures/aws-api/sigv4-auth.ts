import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { signingKey, uriEncode, type S3Credentials } from '../s3/sigv4.js';
import { AwsError } from './aws-error.js';

/**
 * SigV4 header authentication (`Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
 * Signature=…`) as the AWS SDKs and the AWS CLI sign REST-JSON requests. With access keys configured,
 * the signature is verified against them (and the request time must be within AWS's 15 minutes of
 * the Clock); with none, any well-formed signature is accepted, the way LocalStack does by default.
 */

export interface SignedRequest {
  method: string;
  /** The request target as received: the raw (still percent-encoded) path and query. */
  url: string;
  /** Lower-case header names, as `node:http` gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Caller {
  accessKeyId: string;
  region: string;
  /** The signing name from the credential scope: `iot` / `execute-api`, `iotdata`, `iot-jobs-data`. */
  service: string;
}

const AUTH = /^AWS4-HMAC-SHA256\s+(.*)$/s;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** AWS refuses a request signed more than 15 minutes from its own time. */
const MAX_SKEW_MS = 15 * 60_000;

const refused = (type: string, message: string): AwsError => new AwsError(403, type, message);

function header(req: SignedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function parseAuthorization(text: string): {
  credential: string;
  signedHeaders: string[];
  signature: string;
} {
  const m = AUTH.exec(text.trim());
  if (!m?.[1]) {
    throw refused(
      'IncompleteSignatureException',
      `Authorization header requires the AWS4-HMAC-SHA256 algorithm: ${text.slice(0, 40)}`,
    );
  }
  const parts = new Map<string, string>();
  for (const part of m[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential');
  const signed = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!credential || !signed || !signature) {
    throw refused(
      'IncompleteSignatureException',
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    );
  }
  return { credential, signedHeaders: signed.split(';'), signature };
}

/** RFC 3986 dot-segment removal and empty-segment dropping, as the SDK signers do before encoding. */
function canonicalPath(rawPath: string): string {
  const out: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  const joined = `/${out.join('/')}${out.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  // Non-S3 services sign the path encoded once more on top of its wire form.
  return uriEncode(joined, true);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  return rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [uriEncode(decode(k)), uriEncode(decode(v))] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function signedAt(amzDate: string): number {
  const m = AMZ_DATE.exec(amzDate);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

/** The signature the request should carry if signed with `secret`. */
export function expectedSignature(
  req: SignedRequest,
  secret: string,
  scope: { date: string; region: string; service: string },
  signedHeaders: string[],
  amzDate: string,
): string {
  const q = req.url.indexOf('?');
  const rawPath = q < 0 ? req.url : req.url.slice(0, q);
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
  const headers = signedHeaders
    .map((name) => `${name}:${(header(req, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const declared = header(req, 'x-amz-content-sha256');
  const payloadHash = declared ?? createHash('sha256').update(req.body).digest('hex');
  const canonical = [
    req.method.toUpperCase(),
    canonicalPath(rawPath),
    canonicalQuery(rawQuery),
    headers,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    `${scope.date}/${scope.region}/${scope.service}/aws4_request`,
    createHash('sha256').update(canonical, 'utf8').digest('hex'),
  ].join('\n');
  return createHmac('sha256', signingKey(secret, scope.date, scope.region, scope.service))
    .update(stringToSign, 'utf8')
    .digest('hex');
}

/**
 * Who signed the request; throws the AwsError AWS answers with (403 MissingAuthenticationToken,
 * IncompleteSignature, UnrecognizedClient, InvalidSignature) when it is not acceptable.
 */
export function authenticate(req: SignedRequest, keys: readonly S3Credentials[], now: number): Caller {
  const authorization = header(req, 'authorization');
  if (!authorization) throw refused('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const { credential, signedHeaders, signature } = parseAuthorization(authorization);
  const [accessKeyId, date, region, service, terminal, ...extra] = credential.split('/');
  if (!accessKeyId || !date || !region || !service || terminal !== 'aws4_request' || extra.length) {
    throw refused(
      'IncompleteSignatureException',
      `Credential should be scoped to a valid region and service: ${credential}`,
    );
  }
  if (!signedHeaders.includes('host'))
    throw refused('IncompleteSignatureException', "'Host' must be a signed header.");
  const amzDate = header(req, 'x-amz-date') ?? '';
  const at = signedAt(amzDate);
  if (Number.isNaN(at) || amzDate.slice(0, 8) !== date) {
    throw refused(
      'IncompleteSignatureException',
      'The request needs an X-Amz-Date header (yyyyMMddTHHmmssZ) of the day in the credential scope.',
    );
  }
  if (!/^[0-9a-f]{64}$/.test(signature))
    throw refused('IncompleteSignatureException', 'The signature is not 64 hexadecimal digits.');
  const caller: Caller = { accessKeyId, region, service };
  if (keys.length === 0) return caller;
  const key = keys.find((k) => k.accessKeyId === accessKeyId);
  if (!key)
    throw refused('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const expected = expectedSignature(
    req,
    key.secretAccessKey,
    { date, region, service },
    signedHeaders,
    amzDate,
  );
  const given = Buffer.from(signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected, 'utf8'))) {
    throw refused(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  if (Math.abs(now - at) > MAX_SKEW_MS) {
    throw refused(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${new Date(now - MAX_SKEW_MS).toISOString()} (15 minutes before the server's time)`,
    );
  }
  return caller;
}
