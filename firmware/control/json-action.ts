import type http from 'node:http';
import { ErrorCode, SimError, isSimError } from '../../core/errors.js';

const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * Serves one `POST <path>` with a JSON body `{"action": …}` on a control socket: the answer is
 * `{"ok": true, "result": …}`, or `{"ok": false, "error": {code, message}}` with 400 (404 for another
 * path, 413 past 64 KB). Used by a device's control socket and by a fleet's.
 */
export async function serveJsonAction<R extends { action: string }>(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  answer: (request: R) => Promise<unknown>,
): Promise<void> {
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const refuse = (status: number, message: string): void =>
    send(status, { ok: false, error: { code: ErrorCode.INVALID_ARGUMENT, message } });
  if (req.method !== 'POST' || req.url !== path) {
    refuse(404, `POST ${path} only`);
    return;
  }
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_REQUEST_BYTES) {
      refuse(413, 'request too large');
      return;
    }
  }
  try {
    const parsed = JSON.parse(body) as R;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.action !== 'string') {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, 'expected {"action": ...}');
    }
    send(200, { ok: true, result: await answer(parsed) });
  } catch (err) {
    const code = isSimError(err)
      ? err.code
      : err instanceof SyntaxError
        ? ErrorCode.INVALID_ARGUMENT
        : 'NRF91SIM_ERROR';
    send(400, { ok: false, error: { code, message: (err as Error).message } });
  }
}
