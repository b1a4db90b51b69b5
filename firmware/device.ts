import { promises as fs } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../core/clock.js';
import { ErrorCode, SimError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import { readJsonFile, writeJsonAtomic } from '../core/atomic-file.js';
import type { ModemIdentity } from '../modem/identity.js';
import { FileCredentialBackend } from '../modem/credentials/file-backend.js';
import { CredentialStore } from '../modem/credentials/store.js';
import { Modem } from '../modem/modem.js';
import type { ProfileInput } from '../modem/profile.js';
import type { Transport } from '../modem/transport/transport.js';
import { startAtClient } from './apps/at-client.js';
import { openSerial, parseSerialSpec, type SerialSpec } from './serial.js';

export interface DeviceOptions {
  /** Device name: names its state folder and seeds its identity. Default `nrf91-0`. */
  name?: string;
  /** The UART: a {@link SerialSpec} or its text form (`pty`, `pty:/tmp/nrf91-0`, `tcp:0`, `none`). */
  serial?: SerialSpec | string;
  /** State directory; the device keeps its files under `<state>/devices/<name>/`. Omit for none. */
  stateDir?: string;
  profile?: ProfileInput;
  clock?: Clock;
}

export type DeviceEvents = { close: [] };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * A device: a modem, its UART and the application it runs (today the at_client sample). Later the
 * flash, bootloader and the sample application named by the running image join it.
 */
export class Device extends TypedEmitter<DeviceEvents> {
  private isClosed = false;
  private app: { stop(): void } | undefined;

  private constructor(
    readonly modem: Modem,
    readonly serial: Transport | undefined,
    readonly stateDir: string | undefined,
  ) {
    super();
    if (serial) this.app = startAtClient(modem, serial);
  }

  static async boot(options: DeviceOptions = {}): Promise<Device> {
    const name = options.name ?? 'nrf91-0';
    if (!NAME.test(name)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `device name ${JSON.stringify(name)}: use letters, digits, _ . - (max 64)`,
      );
    }
    const deviceDir = options.stateDir ? path.resolve(options.stateDir, 'devices', name) : undefined;
    const profile = deviceDir ? await loadIdentity(deviceDir, options.profile ?? {}) : options.profile;
    const credentials = deviceDir ? await openCredentials(deviceDir, profile) : undefined;
    const modem = new Modem({
      name,
      clock: options.clock ?? systemClock,
      ...(profile ? { profile } : {}),
      ...(credentials ? { credentials } : {}),
    });
    if (deviceDir) await writeJsonAtomic(path.join(deviceDir, 'identity.json'), modem.identity);
    const spec =
      typeof options.serial === 'string'
        ? parseSerialSpec(options.serial)
        : (options.serial ?? { kind: 'none' });
    const serial = await openSerial(spec);
    return new Device(modem, serial, deviceDir);
  }

  get name(): string {
    return this.modem.name;
  }

  get identity(): ModemIdentity {
    return this.modem.identity;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.app?.stop();
    await this.serial?.close();
    await this.modem.close();
    this.emit('close');
  }
}

/**
 * A device keeps the identity it first booted with (an `--imei` given once sticks); values given now
 * override the stored ones.
 */
async function loadIdentity(deviceDir: string, input: ProfileInput): Promise<ProfileInput> {
  try {
    await fs.mkdir(deviceDir, { recursive: true });
    await fs.access(deviceDir, fs.constants.W_OK);
  } catch (err) {
    throw new SimError(
      ErrorCode.PATH_UNWRITABLE,
      `state directory ${deviceDir} is not writable: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  let stored: Partial<ModemIdentity> | undefined;
  try {
    stored = await readJsonFile<Partial<ModemIdentity>>(path.join(deviceDir, 'identity.json'));
  } catch (err) {
    throw new SimError(
      ErrorCode.STATE_CORRUPT,
      `${path.join(deviceDir, 'identity.json')} is not valid JSON; fix or delete it`,
      {
        cause: err,
      },
    );
  }
  return { ...input, identity: { ...stored, ...input.identity } };
}

/** The device's credential store, kept in `<deviceDir>/credentials.json` across reboots. */
function openCredentials(deviceDir: string, profile: ProfileInput | undefined): Promise<CredentialStore> {
  const c = profile?.credentials;
  return CredentialStore.open(new FileCredentialBackend(path.join(deviceDir, 'credentials.json')), {
    ...(c ? { limits: c, ...(c.factory ? { factory: c.factory } : {}) } : {}),
  });
}

/** Boots a device; the library entry point (`import { createDevice } from 'nrf91sim'`). */
export function createDevice(options: DeviceOptions = {}): Promise<Device> {
  return Device.boot(options);
}
