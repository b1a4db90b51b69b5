import { ErrorCode, SimError } from '../../core/errors.js';
import { presignUrl, type S3Credentials } from './sigv4.js';

export interface SignedUpload {
  /** Base URL of the S3 stand-in, e.g. `http://127.0.0.1:40111`. */
  endpoint: string;
  credentials: S3Credentials;
  region: string;
  /** Signing time, epoch ms (from the caller's Clock). */
  now: number;
  bucket: string;
  key: string;
  body: Uint8Array;
  contentType?: string;
}

async function signedPut(o: SignedUpload, key: string, body?: Uint8Array): Promise<Response> {
  const url = presignUrl({
    endpoint: o.endpoint,
    bucket: o.bucket,
    key,
    credentials: o.credentials,
    region: o.region,
    now: o.now,
    expiresSeconds: 300,
    method: 'PUT',
  });
  const res = await fetch(url, {
    method: 'PUT',
    ...(body ? { body, headers: { 'content-type': o.contentType ?? 'application/octet-stream' } } : {}),
  });
  if (!res.ok) {
    throw new SimError(
      ErrorCode.S3_REQUEST_FAILED,
      `PUT /${o.bucket}${key ? `/${key}` : ''}: HTTP ${res.status} ${await res.text()}`,
    );
  }
  return res;
}

/**
 * Creates the bucket (if needed) and uploads one object to an S3 stand-in with presigned PUT URLs:
 * the stand-in refuses anonymous writes unless started with `--anonymous-writes`. Returns the ETag.
 */
export async function uploadSigned(o: SignedUpload): Promise<string> {
  await signedPut(o, '');
  const res = await signedPut(o, o.key, o.body);
  return (res.headers.get('etag') ?? '').replace(/"/g, '');
}
