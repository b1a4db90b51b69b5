import { ErrorCode, isSimError } from '../../core/errors.js';
import { parseJsonSafely } from '../json/safe-json.js';
import type { ApiResponse, ApiRoute, HttpMethod } from '../services/service.js';

export interface RouteCall {
  method: string;
  /** Path with an optional query string, e.g. `/things/a/shadow?name=x`. */
  url: string;
  /** A parsed body (in-process callers). */
  body?: unknown;
  /** The body's text as received (the HTTP server); parsed here unless the route reads it raw. */
  text?: string;
}

const STATUS_OF: Partial<Record<string, number>> = {
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.ALREADY_EXISTS]: 409,
  [ErrorCode.INVALID_ARGUMENT]: 400,
  [ErrorCode.POLICY_INVALID]: 400,
  [ErrorCode.CERTIFICATE_INVALID]: 400,
  [ErrorCode.JOB_DOCUMENT_INVALID]: 400,
  [ErrorCode.INVALID_STATE]: 409,
};

const badRequest = (message: string): Required<ApiResponse> => ({
  status: 400,
  body: { code: ErrorCode.INVALID_ARGUMENT, message },
});

/** Path segments, decoded; undefined when one holds a malformed percent-escape (`%ZZ`). */
function segmentsOf(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/**
 * Dispatches console calls to the routes the services declared. The HTTP server and the CLI's
 * in-process mode (broker not running) both call {@link dispatch}, so they behave the same.
 * Errors become `{code, message}` bodies with an HTTP status; nothing thrown escapes.
 */
export class ApiRouter {
  private readonly routes: Array<ApiRoute & { segments: string[] }>;

  constructor(routes: ApiRoute[]) {
    this.routes = routes.map((r) => ({ ...r, segments: r.path.split('/').filter(Boolean) }));
  }

  async dispatch(call: RouteCall): Promise<Required<ApiResponse>> {
    let url: URL;
    try {
      url = new URL(call.url, 'http://console.invalid');
    } catch {
      return badRequest(`${JSON.stringify(call.url)} is not a console path`);
    }
    const parts = segmentsOf(url.pathname);
    if (!parts) return badRequest(`the path ${url.pathname} holds a malformed percent-escape`);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== (call.method.toUpperCase() as HttpMethod)) continue;
      let body = call.body;
      if (call.text !== undefined && !route.raw && call.text.trim() !== '') {
        const parsed = parseJsonSafely(call.text);
        if (!parsed.ok) {
          return badRequest(
            parsed.problem === 'syntax'
              ? 'the request body is not valid JSON'
              : `the request body is refused: ${parsed.message}`,
          );
        }
        body = parsed.value;
      }
      try {
        const res = await route.handler({
          params,
          query: url.searchParams,
          body,
          ...(route.raw && call.text !== undefined ? { text: call.text } : {}),
        });
        return { status: res.status ?? 200, body: res.body };
      } catch (err) {
        if (isSimError(err))
          return { status: STATUS_OF[err.code] ?? 500, body: { code: err.code, message: err.message } };
        return { status: 500, body: { code: 'NRF91SIM_ERROR', message: (err as Error).message } };
      }
    }
    return pathMatched
      ? {
          status: 405,
          body: {
            code: ErrorCode.INVALID_ARGUMENT,
            message: `${call.method} is not allowed on ${url.pathname}`,
          },
        }
      : { status: 404, body: { code: ErrorCode.NOT_FOUND, message: `no console route ${url.pathname}` } };
  }
}

function match(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = v;
    else if (p !== v) return undefined;
  }
  return params;
}
