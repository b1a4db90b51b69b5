import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/**
 * The device control protocol: a process running a device (`nrf91sim device boot`, a fleet runner)
 * serves it on a Unix socket, HTTP `POST /control` with one JSON {@link ControlRequest}, so other
 * processes (`nrf91sim device control …`) can steer the device's modem: signal, coverage, denial,
 * roaming, PDN drop, SIM, sensors, reboot and power cut, and read its status and energy estimate. `<deviceDir>/control.json` says where the
 * socket is; a second process serving the same device (same state, same name) finds it alive and
 * refuses to start.
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
  | { action: 'energy'; batteryMah?: number; reset?: boolean }
  | { action: 'reboot' }
  | { action: 'power-cut' };

const MAX_SOCKET_PATH = 100;

export function controlFile(deviceDir: string): string {
  return path.join(deviceDir, 'control.json');
}

export function socketPathFor(deviceDir: string): string {
  const direct = path.join(deviceDir, 'control.sock');
  if (direct.length <= MAX_SOCKET_PATH) return direct;
  // Unix socket paths are limited to ~108 bytes: long state paths get a socket in the temp folder.
  const hash = createHash('sha256').update(deviceDir).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `nrf91sim-${hash}.sock`);
}
