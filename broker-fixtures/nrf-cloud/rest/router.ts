import { timingSafeEqual } from 'node:crypto';
import { ErrorCode, isSimError } from '../../../core/errors.js';
import { parseJsonSafely } from '../../json/safe-json.js';

/** An nRF Cloud REST error: HTTP status, nRF Cloud's five-digit code, a message. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string, code = 40499): RestError =>
  new RestError(404, code, `${what} not found`);
export const badRequest = (message: string): RestError => new RestError(400, 40000, message);

export interface RestRequest {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** The body as JSON; a RestError 400 when it is not JSON (or is empty and `required`). */
  json(required?: boolean): unknown;
}

export interface RestResponse {
  status?: number;
  /** JSON body; `text` for a plain-text one. */
  body?: unknown;
  text?: string;
}

export interface RestRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  handler(request: RestRequest): Promise<RestResponse>;
}

export interface RestCall {
  method: string;
  url: string;
  headers?: Record<string, string | undefined>;
  body?: Buffer;
}

const STATUS_OF: Partial<Record<string, [number, number]>> = {
  [ErrorCode.NOT_FOUND]: [404, 40499],
  [ErrorCode.ALREADY_EXISTS]: [409, 40900],
  [ErrorCode.INVALID_ARGUMENT]: [400, 40000],
  [ErrorCode.CERTIFICATE_INVALID]: [400, 40001],
  [ErrorCode.INVALID_STATE]: [409, 40900],
};

function keyMatches(header: string | undefined, apiKey: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(apiKey);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The REST API's dispatcher: `Authorization: Bearer <apiKey>` (401 with code 40100 otherwise),
 * routes with `{param}` segments, nRF Cloud's `{code, message}` errors. The HTTP server and the
 * CLI (in-process on the state files) both call {@link dispatch}; nothing thrown escapes it.
 */
export class RestRouter {
  private readonly routes: Array<RestRoute & { segments: string[] }>;

  constructor(
    routes: RestRoute[],
    private readonly apiKey: () => string,
  ) {
    this.routes = routes.map((r) => ({ ...r, segments: r.path.split('/').filter(Boolean) }));
  }

  async dispatch(call: RestCall): Promise<{ status: number; body?: unknown; text?: string }> {
    try {
      return await this.route(call);
    } catch (err) {
      if (err instanceof RestError)
        return { status: err.status, body: { code: err.code, message: err.message } };
      if (isSimError(err)) {
        const [status, code] = STATUS_OF[err.code] ?? [500, 50010];
        return { status, body: { code, message: err.message } };
      }
      return { status: 500, body: { code: 50010, message: (err as Error).message } };
    }
  }

  /** An OpenAPI 3 outline of the routes served (paths, methods, Bearer auth); no request or reply schemas. */
  openApi(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const methods = (paths[r.path] ??= {});
      const params = r.segments
        .filter((s) => s.startsWith('{'))
        .map((s) => ({ name: s.slice(1, -1), in: 'path', required: true, schema: { type: 'string' } }));
      methods[r.method.toLowerCase()] = {
        ...(params.length ? { parameters: params } : {}),
        responses: { default: { description: 'see docs/nrf-cloud-stand-in.md' } },
      };
    }
    return {
      openapi: '3.0.3',
      info: { title: 'nRF Cloud REST API (nrf91sim local stand-in)', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      paths,
    };
  }

  private async route(call: RestCall): Promise<{ status: number; body?: unknown; text?: string }> {
    const headers = call.headers ?? {};
    if (call.method.toUpperCase() === 'GET' && /^\/v1\/openapi\.json(\?|$)/.test(call.url))
      return { status: 200, body: this.openApi() };
    if (!keyMatches(headers.authorization, this.apiKey())) throw new RestError(401, 40100, 'Unauthorized');
    let url: URL;
    try {
      url = new URL(call.url, 'http://api.invalid');
    } catch {
      throw badRequest('not a request path');
    }
    let parts: string[];
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw badRequest('the path holds a malformed percent-escape');
    }
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== call.method.toUpperCase()) continue;
      const body = call.body ?? Buffer.alloc(0);
      const res = await route.handler({
        method: route.method,
        params,
        query: url.searchParams,
        headers,
        body,
        json(required = true) {
          const text = body.toString('utf8');
          if (text.trim() === '') {
            if (required) throw badRequest('the request needs a JSON body');
            return undefined;
          }
          const parsed = parseJsonSafely(text);
          if (!parsed.ok) throw badRequest(`the request body is not valid JSON: ${parsed.message}`);
          return parsed.value;
        },
      });
      return {
        status: res.status ?? 200,
        ...(res.body !== undefined ? { body: res.body } : {}),
        ...(res.text !== undefined ? { text: res.text } : {}),
      };
    }
    if (pathMatched) throw new RestError(405, 40500, `${call.method} is not allowed on ${url.pathname}`);
    throw notFound(`route ${url.pathname}`);
  }
}

function match(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith('{') && p.endsWith('}')) params[p.slice(1, -1)] = v;
    else if (p !== v) return undefined;
  }
  return params;
}
