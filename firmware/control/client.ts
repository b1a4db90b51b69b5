import http from 'node:http';
import { readJsonFile } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { controlFile, type ControlEndpoint, type ControlRequest } from './protocol.js';

/** Sends one request to a running device (the client side of `nrf91sim device control`). */
export async function sendControl(deviceDir: string, request: ControlRequest): Promise<unknown> {
  const endpoint = await readJsonFile<ControlEndpoint>(controlFile(deviceDir)).catch(() => undefined);
  if (!endpoint) {
    throw new SimError(
      ErrorCode.DEVICE_NOT_RUNNING,
      `no running device found in ${deviceDir} (start it with nrf91sim device boot)`,
    );
  }
  const payload = JSON.stringify(request);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: endpoint.socket,
        path: '/control',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          try {
            const body = JSON.parse(text) as { ok?: boolean; result?: unknown; error?: { message: string } };
            if (body.ok) resolve(body.result);
            else
              reject(
                new SimError(ErrorCode.INVALID_ARGUMENT, body.error?.message ?? `HTTP ${res.statusCode}`),
              );
          } catch {
            reject(
              new SimError(
                ErrorCode.DEVICE_NOT_RUNNING,
                'the device answered with something that is not JSON',
              ),
            );
          }
        });
      },
    );
    req.on('error', (err) =>
      reject(
        new SimError(
          ErrorCode.DEVICE_NOT_RUNNING,
          `the device in ${deviceDir} does not answer (${err.message}); is it still running?`,
        ),
      ),
    );
    req.end(payload);
  });
}
