import type { IncomingMessage, ServerResponse } from 'node:http';
import { methodNotAllowed, noSuchBucket, sendError, sendXml } from './http-reply.js';
import { isValidBucketName, type ObjectStore } from './store.js';
import { xmlDocument } from './xml.js';

/** `GET /`: ListAllMyBucketsResult. */
export async function listBuckets(
  store: ObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if ((req.method ?? 'GET') !== 'GET') return methodNotAllowed(req, res);
  const names = await store.listBuckets();
  sendXml(
    res,
    200,
    xmlDocument(
      'ListAllMyBucketsResult',
      { Owner: { ID: 'nrf91sim' }, Buckets: { Bucket: names.map((Name) => ({ Name })) } },
      true,
    ),
  );
}

/** PUT, HEAD, DELETE and GET (ListObjectsV2-style) of a bucket. */
export async function bucketRequest(
  store: ObjectStore,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  prefix: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'PUT') {
    if (!isValidBucketName(bucket))
      return sendError(req, res, 400, 'InvalidBucketName', 'The specified bucket is not valid.', {
        BucketName: bucket,
      });
    await store.createBucket(bucket);
    req.resume();
    res.writeHead(200, { Location: `/${bucket}` }).end();
    return;
  }
  if (!(await store.bucketExists(bucket))) return noSuchBucket(req, res, bucket);
  if (method === 'HEAD') {
    res.writeHead(200).end();
    return;
  }
  if (method === 'DELETE') {
    const r = await store.deleteBucket(bucket);
    if (r === 'not-empty')
      return sendError(req, res, 409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', {
        BucketName: bucket,
      });
    res.writeHead(204).end();
    return;
  }
  if (method !== 'GET') return methodNotAllowed(req, res);
  const objects = await store.listObjects(bucket, prefix);
  sendXml(
    res,
    200,
    xmlDocument(
      'ListBucketResult',
      {
        Name: bucket,
        Prefix: prefix,
        KeyCount: objects.length,
        MaxKeys: 1000,
        IsTruncated: false,
        Contents: objects.map((o) => ({
          Key: o.key,
          LastModified: new Date(o.lastModified).toISOString(),
          ETag: `"${o.etag}"`,
          Size: o.size,
          StorageClass: 'STANDARD',
        })),
      },
      true,
    ),
  );
}
