import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { methodNotAllowed, noSuchBucket, sendError } from './http-reply.js';
import { decideRange } from './range.js';
import type { FoundObject, ObjectStore } from './store.js';

/**
 * RFC 9110 §13.1.5: a `Range` counts only while `If-Range` names the current object — its strong
 * ETag, or exactly its Last-Modified date. Otherwise the whole object is sent with 200.
 */
function ifRangeHolds(header: string | string[] | undefined, found: FoundObject): boolean {
  if (header === undefined) return true;
  const value = (Array.isArray(header) ? (header[0] ?? '') : header).trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === `"${found.etag}"`;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === found.lastModified;
}

/** GET, HEAD and DELETE of an object in an existing bucket. */
export async function objectRequest(
  store: ObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  key: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (!(await store.bucketExists(bucket))) return noSuchBucket(req, res, bucket);
  if (method === 'DELETE') {
    await store.deleteObject(bucket, key);
    res.writeHead(204).end();
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(req, res);
  const found = await store.headObject(bucket, key);
  if (!found) return sendError(req, res, 404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
  const rangeHeader = ifRangeHolds(req.headers['if-range'], found) ? req.headers.range : undefined;
  const range = decideRange(rangeHeader, found.size);
  res.setHeader('Last-Modified', new Date(found.lastModified).toUTCString());
  res.setHeader('ETag', `"${found.etag}"`);
  res.setHeader('Accept-Ranges', 'bytes');
  if (range.kind === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${found.size}`);
    return sendError(req, res, 416, 'InvalidRange', 'The requested range is not satisfiable', {
      RangeRequested: rangeHeader,
      ActualObjectSize: found.size,
    });
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, found.size - 1];
  res.setHeader('Content-Type', found.contentType);
  res.setHeader('Content-Length', String(end - start + 1));
  if (range.kind === 'partial') res.setHeader('Content-Range', `bytes ${start}-${end}/${found.size}`);
  res.writeHead(range.kind === 'partial' ? 206 : 200);
  if (method === 'HEAD' || found.size === 0) {
    res.end();
    return;
  }
  if (found.content) res.end(found.content.subarray(start, end + 1));
  else await pipeline(store.openRange(found, start, end), res);
}

/** PUT of an object: the body is read whole, then the object replaced atomically. */
export async function putObject(
  store: ObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  key: string,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!(await store.bucketExists(bucket))) return noSuchBucket(req, res, bucket);
  const info = await store.putObject(
    bucket,
    key,
    Buffer.concat(chunks),
    req.headers['content-type'] ?? 'application/octet-stream',
  );
  res.writeHead(200, { ETag: `"${info.etag}"`, 'Content-Length': '0' }).end();
}
