import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../core/atomic-file.js';
import { ErrorCode, SimError } from '../core/errors.js';
import type { ControlRequest } from '../firmware/control/index.js';
import type { FleetRunner } from './runner.js';
import { serveJsonAction } from '../firmware/control/json-action.js';

/**
 * The fleet's control socket: the process running a fleet serves HTTP `POST /fleet` on a Unix
 * socket (`<state>/fleet/control.json` says where), so `nrf91sim fleet status` and
 * `nrf91sim fleet attach` reach its devices without a socket or a PTY per device.
 */
export type FleetRequest =
  | { action: 'status'; devices?: boolean }
  | { action: 'attach'; device: string; serial: string }
  | { action: 'control'; device: string; request: ControlRequest };

export function fleetControlFile(stateDir: string): string {
  return path.join(stateDir, 'fleet', 'control.json');
}

function socketPath(stateDir: string): string {
  const direct = path.join(path.resolve(stateDir), 'fleet', 'control.sock');
  if (direct.length <= 100) return direct;
  const hash = createHash('sha256').update(path.resolve(stateDir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `nrf91sim-fleet-${hash}.sock`);
}

async function answer(runner: FleetRunner, req: FleetRequest): Promise<unknown> {
  switch (req.action) {
    case 'status':
      return {
        launched: runner.launched,
        phases: runner.stats.phases(),
        summary: runner.stats.summary(),
        workers: runner.stats.workers(),
        ...(req.devices ? { devices: [...runner.stats.devices.values()] } : {}),
      };
    case 'attach':
      if (typeof req.device !== 'string' || typeof req.serial !== 'string') {
        throw new SimError(ErrorCode.INVALID_ARGUMENT, 'attach needs "device" and "serial"');
      }
      return runner.attach(req.device, req.serial);
    case 'control':
      if (typeof req.device !== 'string' || typeof req.request !== 'object' || req.request === null) {
        throw new SimError(ErrorCode.INVALID_ARGUMENT, 'control needs "device" and "request"');
      }
      return runner.control(req.device, req.request);
    default:
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `unknown action ${JSON.stringify((req as { action: unknown }).action)}`,
      );
  }
}

export class FleetControlServer {
  private constructor(
    private readonly server: http.Server,
    private readonly socket: string,
    private readonly file: string,
  ) {}

  static async start(runner: FleetRunner, stateDir: string): Promise<FleetControlServer> {
    const file = fleetControlFile(stateDir);
    const socket = socketPath(stateDir);
    await ensureNoFleet(stateDir);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.rm(socket, { force: true });
    const server = http.createServer((req, res) => void handle(runner, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => resolve());
    });
    await fs.chmod(socket, 0o600);
    await writeJsonAtomic(file, { socket, pid: process.pid });
    return new FleetControlServer(server, socket, file);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await fs.rm(this.file, { force: true });
    await fs.rm(this.socket, { force: true });
  }
}

function handle(runner: FleetRunner, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  return serveJsonAction<FleetRequest>(req, res, '/fleet', (r) => answer(runner, r));
}

/** Fails with STATE_IN_USE while another process runs a fleet on `stateDir` (its devices' folders). */
export async function ensureNoFleet(stateDir: string): Promise<void> {
  if (await fleetRunning(stateDir)) {
    throw new SimError(ErrorCode.STATE_IN_USE, `a fleet is already running on ${stateDir}`);
  }
}

async function fleetRunning(stateDir: string): Promise<boolean> {
  const info = await readJsonFile<{ pid?: number }>(fleetControlFile(stateDir)).catch(() => undefined);
  if (typeof info?.pid !== 'number' || info.pid === process.pid) return false;
  try {
    process.kill(info.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends one request to the fleet running on `stateDir` (the client side of `nrf91sim fleet …`). */
export async function sendFleetRequest(stateDir: string, request: FleetRequest): Promise<unknown> {
  const info = await readJsonFile<{ socket?: string }>(fleetControlFile(stateDir)).catch(() => undefined);
  if (typeof info?.socket !== 'string') {
    throw new SimError(
      ErrorCode.DEVICE_NOT_RUNNING,
      `no fleet is running on ${stateDir} (start one with nrf91sim fleet boot)`,
    );
  }
  const socket = info.socket;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath: socket, path: '/fleet', method: 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          try {
            const body = JSON.parse(text) as {
              ok?: boolean;
              result?: unknown;
              error?: { code?: string; message: string };
            };
            if (body.ok) resolve(body.result);
            else {
              const known = (Object.values(ErrorCode) as string[]).includes(body.error?.code ?? '');
              reject(
                new SimError(
                  known ? (body.error?.code as ErrorCode) : ErrorCode.INVALID_ARGUMENT,
                  body.error?.message ?? `HTTP ${res.statusCode}`,
                ),
              );
            }
          } catch {
            reject(
              new SimError(
                ErrorCode.DEVICE_NOT_RUNNING,
                'the fleet answered with something that is not JSON',
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
          `the fleet on ${stateDir} does not answer (${err.message})`,
        ),
      ),
    );
    req.end(JSON.stringify(request));
  });
}
