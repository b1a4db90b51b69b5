import { createHash } from 'node:crypto';
import type { JobsService } from '../services/jobs/jobs-service.js';
import type { ServiceContext } from '../services/service.js';
import type { ShadowService } from '../services/shadow/shadow-service.js';
import { invalidRequest } from './aws-error.js';

/** What the AWS API handlers work with: the stand-in's own services, so every path changes the same state. */
export interface AwsApiContext {
  readonly service: ServiceContext;
  readonly shadows: ShadowService;
  readonly jobs: JobsService;
  /** Closes the live MQTT connections made with a certificate (UpdateCertificate to INACTIVE/REVOKED). */
  dropConnections(certificateId: string): number;
}

export function arn(ctx: AwsApiContext, resource: string): string {
  const { region, accountId } = ctx.service.config;
  return `arn:aws:iot:${region}:${accountId}:${resource}`;
}

/** A stable UUID-shaped id (thingId, thingGroupId): the same record always gets the same one. */
export function stableId(...parts: Array<string | number>): string {
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** REST-JSON timestamps: epoch seconds. */
export const seconds = (ms: number): number => ms / 1000;

export function stringField(body: Record<string, unknown>, name: string, required: true): string;
export function stringField(
  body: Record<string, unknown>,
  name: string,
  required?: false,
): string | undefined;
export function stringField(
  body: Record<string, unknown>,
  name: string,
  required = false,
): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw invalidRequest(`${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw invalidRequest(`${name} must be a string`);
  return v;
}

export function booleanQuery(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const v = query.get(name);
  if (v === null) return fallback;
  if (v !== 'true' && v !== 'false') throw invalidRequest(`${name} must be true or false`);
  return v === 'true';
}

export function integerOf(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)
    throw invalidRequest(`${name} must be a whole number ${min}-${max}`);
  return n;
}

/** `maxResults`/`nextToken` (or `pageSize`/`marker`) paging over an in-memory list. */
export function page<T>(
  items: readonly T[],
  query: URLSearchParams,
  names: { size: string; token: string } = { size: 'maxResults', token: 'nextToken' },
  limit = 250,
): { items: T[]; next?: string } {
  const size = integerOf(query.get(names.size) ?? undefined, names.size, 1, limit) ?? limit;
  const token = query.get(names.token);
  let start = 0;
  if (token !== null) {
    const decoded = /^\d+$/.test(Buffer.from(token, 'base64url').toString('utf8'))
      ? Number(Buffer.from(token, 'base64url').toString('utf8'))
      : NaN;
    if (!Number.isInteger(decoded) || decoded > items.length)
      throw invalidRequest(`${names.token} is not one this API handed out`);
    start = decoded;
  }
  const end = start + size;
  return {
    items: items.slice(start, end),
    ...(end < items.length ? { next: Buffer.from(String(end), 'utf8').toString('base64url') } : {}),
  };
}
