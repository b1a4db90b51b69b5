import type { IncomingMessage, ServerResponse } from 'node:http';
import { s3ErrorXml } from './xml.js';

/** S3's answers as HTTP: XML bodies, and errors carrying the request id the response was given. */
export function sendXml(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, {
      'Content-Type': 'application/xml',
      'Content-Length': String(Buffer.byteLength(body)),
    })
    .end(body);
}

export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  const body = s3ErrorXml(code, message, String(res.getHeader('x-amz-request-id') ?? ''), extra);
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', String(Buffer.byteLength(body)));
  res.writeHead(status);
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function methodNotAllowed(req: IncomingMessage, res: ServerResponse): void {
  sendError(req, res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
}

export function noSuchBucket(req: IncomingMessage, res: ServerResponse, bucket: string): void {
  sendError(req, res, 404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}
