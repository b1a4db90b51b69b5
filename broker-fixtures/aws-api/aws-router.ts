import { parseJsonSafely } from '../json/safe-json.js';
import { isObject } from '../services/shadow/json.js';
import { AwsError, invalidRequest, toAwsError, type ConflictType } from './aws-error.js';

/** The three AWS APIs the stand-in speaks, by the signing name their clients put in the credential scope. */
export type AwsApi = 'iot' | 'iotdata' | 'iot-jobs-data';

/** SigV4 signing names → API. botocore (the AWS CLI) signs the IoT control plane as `execute-api`. */
export const API_OF_SIGNING_NAME: Record<string, AwsApi> = {
  iot: 'iot',
  'execute-api': 'iot',
  iotdata: 'iotdata',
  'iot-jobs-data': 'iot-jobs-data',
};

export interface AwsRequest {
  /** Path labels, decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body as a JSON object (`{}` when empty); InvalidRequestException when it is not one. */
  json(): Record<string, unknown>;
}

export interface AwsReply {
  status?: number;
  /** A JSON body (serialised here). */
  json?: unknown;
  /** A raw body (blob payloads: shadow documents, retained messages). */
  raw?: Buffer;
}

export interface AwsRoute {
  api: AwsApi;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The API reference's request URI, labels in braces: `/things/{thingName}`. */
  path: string;
  /** The operation name, for errors and the supported-operations table. */
  operation: string;
  /** What the operation's INVALID_STATE refusals are on the wire. */
  conflict?: ConflictType;
  handler(request: AwsRequest): Promise<AwsReply>;
}

interface Compiled extends AwsRoute {
  segments: string[];
  literals: number;
}

function jsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  const parsed = parseJsonSafely(text);
  if (!parsed.ok)
    throw new AwsError(
      400,
      'SerializationException',
      `the request body is not valid JSON: ${parsed.message}`,
    );
  if (!isObject(parsed.value)) throw invalidRequest('the request body must be a JSON object');
  return parsed.value;
}

function decodeSegments(rawPath: string): string[] | undefined {
  try {
    return rawPath
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** Matches a request to a route of its API; literal segments win over labels (`$next`, `addThingToThingGroup`). */
export class AwsRouter {
  private readonly routes: Compiled[];

  constructor(routes: AwsRoute[]) {
    this.routes = routes
      .map((r) => {
        const segments = r.path.split('/').filter(Boolean);
        return { ...r, segments, literals: segments.filter((s) => !s.startsWith('{')).length };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  list(): readonly AwsRoute[] {
    return this.routes;
  }

  async dispatch(
    api: AwsApi,
    method: string,
    url: string,
    headers: AwsRequest['headers'],
    body: Buffer,
  ): Promise<AwsReply> {
    const q = url.indexOf('?');
    const parts = decodeSegments(q < 0 ? url : url.slice(0, q));
    if (!parts) throw invalidRequest('the request path holds a malformed percent-escape');
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.api !== api) continue;
      const params = match(route.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== method.toUpperCase()) continue;
      try {
        return await route.handler({ params, query, headers, body, json: () => jsonBody(body) });
      } catch (err) {
        throw toAwsError(err, route.conflict);
      }
    }
    if (pathMatched) throw new AwsError(405, 'MethodNotAllowedException', `${method} is not allowed here`);
    // API Gateway's answer for a path no operation has.
    throw new AwsError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
}

function match(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith('{')) params[p.slice(1, -1)] = v;
    else if (p !== v) return undefined;
  }
  return params;
}
