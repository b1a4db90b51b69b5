import type { IncomingMessage } from 'node:http';
import { checkPresigned, type S3Credentials } from './sigv4.js';

export interface AuthPolicy {
  credentials: S3Credentials;
  now: number;
  /** Reads (GET, HEAD) without a signature. */
  allowAnonymous: boolean;
  /** Writes (PUT, DELETE) without a signature; off unless asked for, so no local process can replace an image. */
  anonymousWrites: boolean;
}

export type AuthRefusal = { status: number; code: string; message: string; extra?: Record<string, string> };

const SIGNATURE_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
];

/** Whether a request may go on: a valid presigned signature, or an anonymous request the policy allows. */
export function authorize(
  req: IncomingMessage,
  path: string,
  params: [string, string][],
  policy: AuthPolicy,
): AuthRefusal | undefined {
  const method = req.method ?? 'GET';
  const signed = params.some(([k]) => k === 'X-Amz-Signature' || k === 'X-Amz-Algorithm');
  if (signed) {
    // Each signing parameter once: with two, the one checked and the one acted on could differ.
    const twice = SIGNATURE_PARAMS.find((name) => params.filter(([k]) => k === name).length > 1);
    if (twice) {
      return {
        status: 400,
        code: 'AuthorizationQueryParametersError',
        message: `Query-string authentication requires ${twice} at most once.`,
      };
    }
    const check = checkPresigned({
      method,
      path,
      params,
      host: req.headers.host ?? '',
      ...(req.socket.localPort !== undefined ? { localPort: req.socket.localPort } : {}),
      credentials: policy.credentials,
      now: policy.now,
    });
    if (!check.ok)
      return {
        status: check.status,
        code: check.code,
        message: check.message,
        ...(check.extra ? { extra: check.extra } : {}),
      };
    return undefined;
  }
  const write = method === 'PUT' || method === 'DELETE' || method === 'POST';
  if (write ? !policy.anonymousWrites : !policy.allowAnonymous) {
    return { status: 403, code: 'AccessDenied', message: 'Access Denied' };
  }
  return undefined;
}
