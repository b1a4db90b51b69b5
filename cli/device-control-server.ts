import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readJsonFile, writeJsonAtomic } from '../core/atomic-file.js';
import { ErrorCode, SimError, isSimError } from '../core/errors.js';
import type { Device } from '../firmware/device.js';

/**
 * A running `nrf91sim device boot` listens on a Unix socket so other commands (`nrf91sim device
 * control ...`) can steer its modem: signal, coverage, denial, roaming, PDN drop, SIM, sensors,
 * reboot and power cut. `<deviceDir>/control.json` says where the socket is; a second boot of the
 * same device (same state, same name) finds it alive and refuses to start.
 */
export interface ControlEndpoint {
  socket: string;
  pid: number;
}

export type ControlRequest =
  | { action: 'status' }
  | { action: 'signal'; rsrp?: number; rsrq?: number; snr?: number }
  | { action: 'coverage'; on: boolean }
  | { action: 'deny'; cause: number }
  | { action: 'allow' }
  | { action: 'roaming'; on: boolean }
  | { action: 'pdn-drop' }
  | { action: 'sim'; inserted: boolean }
  | { action: 'temperature'; celsius: number }
  | { action: 'battery'; millivolts: number }
  | { action: 'notify'; line: string }
  | { action: 'reboot' }
  | { action: 'power-cut' };

const MAX_SOCKET_PATH = 100;

export function controlFile(deviceDir: string): string {
  return path.join(deviceDir, 'control.json');
}

function socketPathFor(deviceDir: string): string {
  const direct = path.join(deviceDir, 'control.sock');
  if (direct.length <= MAX_SOCKET_PATH) return direct;
  // Unix socket paths are limited to ~108 bytes: long state paths get a socket in the temp folder.
  const hash = createHash('sha256').update(deviceDir).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `nrf91sim-${hash}.sock`);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

async function apply(device: Device, req: ControlRequest): Promise<unknown> {
  const control = device.modem.control;
  switch (req.action) {
    case 'status':
      return { ...control.status(), power: device.power, app: device.manifest?.app };
    case 'signal': {
      const signal: { rsrp?: number; rsrq?: number; snr?: number } = {};
      for (const k of ['rsrp', 'rsrq', 'snr'] as const) {
        const v = req[k];
        if (v === undefined) continue;
        if (!isNumber(v)) throw new SimError(ErrorCode.INVALID_ARGUMENT, `${k} must be a number`);
        signal[k] = v;
      }
      control.setSignal(signal);
      break;
    }
    case 'coverage':
      if (req.on) control.regainCoverage();
      else control.loseCoverage();
      break;
    case 'deny':
      if (!Number.isInteger(req.cause) || req.cause < 0 || req.cause > 255) {
        throw new SimError(ErrorCode.INVALID_ARGUMENT, 'the reject cause is an EMM cause 0-255');
      }
      control.denyRegistration(req.cause);
      break;
    case 'allow':
      control.allowRegistration();
      break;
    case 'roaming':
      control.setRoaming(req.on);
      break;
    case 'pdn-drop':
      control.dropPdn();
      break;
    case 'sim':
      if (req.inserted) control.insertSim();
      else control.removeSim();
      break;
    case 'temperature':
      if (!isNumber(req.celsius)) throw new SimError(ErrorCode.INVALID_ARGUMENT, 'celsius must be a number');
      control.setTemperature(req.celsius);
      break;
    case 'battery':
      if (!isNumber(req.millivolts))
        throw new SimError(ErrorCode.INVALID_ARGUMENT, 'millivolts must be a number');
      control.setBatteryVoltage(req.millivolts);
      break;
    case 'notify':
      if (typeof req.line !== 'string' || /[\r\n]/.test(req.line) || req.line === '') {
        throw new SimError(ErrorCode.INVALID_ARGUMENT, 'a notification is one non-empty line');
      }
      control.injectNotification(req.line);
      break;
    case 'reboot':
      return { boot: summarize(await device.control.reboot()) };
    case 'power-cut':
      return { boot: summarize((await device.control.powerCut()).report) };
    default:
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `unknown action ${JSON.stringify((req as { action: unknown }).action)}`,
      );
  }
  return { ...control.status(), power: device.power };
}

function summarize(report: { bootable: boolean; image?: { version: string } | undefined }): object {
  return { bootable: report.bootable, version: report.image?.version };
}

export class DeviceControlServer {
  private constructor(
    private readonly server: http.Server,
    readonly socketPath: string,
    private readonly file: string,
  ) {}

  static async start(device: Device, deviceDir: string): Promise<DeviceControlServer> {
    const file = controlFile(deviceDir);
    const socketPath = socketPathFor(deviceDir);
    await claim(file, socketPath, device.name);
    const server = http.createServer((req, res) => void handle(device, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    await fs.chmod(socketPath, 0o600);
    await writeJsonAtomic(file, { socket: socketPath, pid: process.pid } satisfies ControlEndpoint);
    return new DeviceControlServer(server, socketPath, file);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await fs.rm(this.file, { force: true });
    await fs.rm(this.socketPath, { force: true });
  }
}

/** Fails with PORT_IN_USE when another live process serves the device kept in `deviceDir`. */
export async function ensureNotRunning(deviceDir: string, name: string): Promise<void> {
  await claim(controlFile(deviceDir), socketPathFor(deviceDir), name);
}

/** Refuses to start when another live process serves this device; clears a stale socket. */
async function claim(file: string, socketPath: string, name: string): Promise<void> {
  const previous = await readJsonFile<ControlEndpoint>(file).catch(() => undefined);
  for (const candidate of new Set([socketPath, previous?.socket].filter((s): s is string => !!s))) {
    if (await alive(candidate)) {
      throw new SimError(
        ErrorCode.PORT_IN_USE,
        `device ${name} is already running${previous?.pid ? ` (pid ${previous.pid})` : ''}; stop it or use another --name/--state`,
      );
    }
    // A stale socket from a process that died; a path that cannot exist is left for boot to report.
    await fs.rm(candidate, { force: true }).catch(() => undefined);
  }
}

function alive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function handle(device: Device, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const send = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'POST' || req.url !== '/control') {
    send(404, { error: { code: ErrorCode.INVALID_ARGUMENT, message: 'POST /control only' } });
    return;
  }
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 64 * 1024) {
      send(413, { error: { code: ErrorCode.INVALID_ARGUMENT, message: 'request too large' } });
      return;
    }
  }
  try {
    const parsed = JSON.parse(body) as ControlRequest;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.action !== 'string') {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, 'expected {"action": ...}');
    }
    send(200, { ok: true, result: await apply(device, parsed) });
  } catch (err) {
    const code = isSimError(err)
      ? err.code
      : err instanceof SyntaxError
        ? ErrorCode.INVALID_ARGUMENT
        : 'NRF91SIM_ERROR';
    send(400, { error: { code, message: (err as Error).message } });
  }
}

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
