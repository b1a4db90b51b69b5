import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { readJsonFile, writeJsonAtomic } from '../../core/atomic-file.js';
import { clockRate } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { Device } from '../device.js';
import { controlFile, socketPathFor, type ControlEndpoint, type ControlRequest } from './protocol.js';
import { serveJsonAction } from './json-action.js';

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Carries out one control request on `device` (what `POST /control` does); INVALID_ARGUMENT when malformed. */
export async function applyControlRequest(device: Device, req: ControlRequest): Promise<unknown> {
  const control = device.modem.control;
  switch (req.action) {
    case 'status':
      return {
        ...control.status(),
        power: device.power,
        app: device.manifest?.app,
        version: device.manifest?.version,
        timeScale: clockRate(device.clock),
      };
    case 'energy': {
      const batteryMah = req.batteryMah;
      if (batteryMah !== undefined && (!isNumber(batteryMah) || batteryMah <= 0)) {
        throw new SimError(ErrorCode.INVALID_ARGUMENT, 'batteryMah must be a positive number');
      }
      const report = control.energy(batteryMah === undefined ? {} : { batteryMah });
      // `reset`: the figures so far, and a fresh count from now.
      if (req.reset === true) control.resetEnergy();
      return report;
    }
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

function handle(device: Device, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  return serveJsonAction<ControlRequest>(req, res, '/control', (r) => applyControlRequest(device, r));
}
