import type { NrfCloudEndpoints } from '../broker-fixtures/index.js';
import { ErrorCode, SimError } from '../core/errors.js';
import type { ThingRegistration } from './messages.js';
import type { ThingRegistrar } from './runner.js';

/** Association requests in flight at once for one batch. */
const ASSOCIATE_PARALLEL = 16;

interface Reply {
  status: number;
  body: unknown;
}

/** One call to the local nRF Cloud's REST API, as a backend makes it (`Authorization: Bearer`). */
async function call(
  nrf: NrfCloudEndpoints,
  method: string,
  path: string,
  body?: { text: string; type: string },
): Promise<Reply> {
  let res: Response;
  try {
    res = await fetch(nrf.apiUrl + path, {
      method,
      headers: {
        authorization: `Bearer ${nrf.apiKey}`,
        ...(body ? { 'content-type': body.type } : {}),
      },
      ...(body ? { body: body.text } : {}),
    });
  } catch (err) {
    throw new SimError(
      ErrorCode.BROKER_UNREACHABLE,
      `the nRF Cloud API at ${nrf.apiUrl} does not answer: ${(err as Error).message}`,
    );
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    // Not JSON: keep the text for the error message.
  }
  return { status: res.status, body: parsed };
}

async function expectOk(
  nrf: NrfCloudEndpoints,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const reply = await call(
    nrf,
    method,
    path,
    body === undefined ? undefined : { text: JSON.stringify(body), type: 'application/json' },
  );
  if (reply.status >= 300) {
    const message = (reply.body as { message?: unknown } | undefined)?.message;
    throw new SimError(
      reply.status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.INVALID_STATE,
      `nRF Cloud answered ${reply.status} to ${method} ${path}: ${typeof message === 'string' ? message : JSON.stringify(reply.body)}`,
    );
  }
  return reply.body;
}

/** nRF Cloud's bulk provisioning CSV: `deviceId,subType,tags,fwTypes,"<certificate PEM>"`, one a row. */
export function onboardingCsv(things: readonly ThingRegistration[]): string {
  return things
    .map((t) => `${t.thingName},,,APP|MODEM,"${t.certificatePem.trim().replace(/"/g, '""')}"`)
    .join('\n');
}

interface BulkOp {
  status?: string;
  failedDevices?: Array<{ deviceId: string; error: string }>;
}

/**
 * Onboards a batch in one bulk request (`POST /v1/devices`, CSV). A device the team already has
 * (a state directory whose device folder was removed, its cloud record kept) is deleted and added
 * again with its new certificate (`POST /v1/devices/{id}`).
 */
async function onboard(nrf: NrfCloudEndpoints, things: readonly ThingRegistration[]): Promise<void> {
  const reply = await call(nrf, 'POST', '/v1/devices', { text: onboardingCsv(things), type: 'text/csv' });
  const id = (reply.body as { bulkOpsRequestId?: unknown } | undefined)?.bulkOpsRequestId;
  if (reply.status >= 300 || typeof id !== 'string') {
    throw new SimError(
      ErrorCode.INVALID_STATE,
      `nRF Cloud answered ${reply.status} to the bulk onboarding of ${things.length} devices: ${JSON.stringify(reply.body)}`,
    );
  }
  const op = (await expectOk(nrf, 'GET', `/v1/bulk-ops-requests/${id}`)) as BulkOp;
  if (op.status === 'SUCCEEDED') return;
  const failed = op.failedDevices ?? [];
  if (op.status !== 'FAILED' || failed.length === 0) {
    throw new SimError(ErrorCode.INVALID_STATE, `the bulk onboarding ended ${String(op.status)}`);
  }
  const byId = new Map(things.map((t) => [t.thingName, t]));
  for (const f of failed) {
    const thing = byId.get(f.deviceId);
    const known = thing && (await call(nrf, 'GET', `/v1/devices/${f.deviceId}`)).status === 200;
    if (!thing || !known) {
      throw new SimError(ErrorCode.INVALID_STATE, `nRF Cloud did not onboard ${f.deviceId}: ${f.error}`);
    }
    await expectOk(nrf, 'DELETE', `/v1/devices/${f.deviceId}`);
    await expectOk(nrf, 'POST', `/v1/devices/${f.deviceId}`, { certificate: thing.certificatePem });
  }
}

/**
 * What the fleet does for `nrf-cloud-ca` devices instead of registering things: onboards each
 * batch through nRF Cloud's REST API and associates every device with the team
 * (`PUT /v1/association/{id}`), so each one connects paired and goes straight to READY, without
 * JITP's refused first connection or a wait for a user.
 */
export function nrfCloudRegistrar(nrf: NrfCloudEndpoints): ThingRegistrar {
  return async (things) => {
    await onboard(nrf, things);
    for (let i = 0; i < things.length; i += ASSOCIATE_PARALLEL) {
      await Promise.all(
        things
          .slice(i, i + ASSOCIATE_PARALLEL)
          .map((t) => expectOk(nrf, 'PUT', `/v1/association/${t.thingName}`)),
      );
    }
  };
}
