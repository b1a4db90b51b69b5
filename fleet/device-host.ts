import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../core/clock.js';
import { readJsonFile } from '../core/atomic-file.js';
import { isSimError } from '../core/errors.js';
import { applyControlRequest, type ControlRequest } from '../firmware/control/index.js';
import { Device } from '../firmware/device.js';
import { openSerial, parseSerialSpec } from '../firmware/serial.js';
import type { CredentialInput } from '../modem/credentials/index.js';
import { deriveIdentity } from '../modem/identity.js';
import type { Transport } from '../modem/transport/transport.js';
import type { DevicePhase } from './messages.js';
import { specProfile, type DeviceSpec } from './spec.js';

/** What a device host needs from its worker. */
export interface HostContext {
  stateDir: string;
  clock: Clock;
  /** The compiled image for a spec (one buffer per distinct image in the worker). */
  image(spec: DeviceSpec): Buffer;
  /** Makes the device's key and certificate and has the runner register its thing. */
  provision(spec: DeviceSpec, thingName: string): Promise<{ certificatePem: string; privateKeyPem: string }>;
  brokerCaPem: string | undefined;
  phase(device: string, phase: DevicePhase, sinceBootMs: number, cause?: string): void;
  error(device: string, cause: string): void;
  message(): void;
}

/** `+CEREG` stat 1 (home) or 5 (roaming). */
const REGISTERED = new Set([1, 5]);

/**
 * One fleet device inside a worker: provisions it on its first boot, boots it from its own state
 * folder, and reports where it is (registered, connected, READY) and what went wrong.
 */
export class DeviceHost {
  private device: Device | undefined;
  private serial: Transport | undefined;
  private started = 0;
  private current: DevicePhase = 'queued';

  constructor(
    readonly spec: DeviceSpec,
    private readonly ctx: HostContext,
  ) {}

  get phase(): DevicePhase {
    return this.current;
  }

  get running(): Device | undefined {
    return this.device;
  }

  private set(phase: DevicePhase, cause?: string): void {
    if (this.current === 'failed' || this.current === 'stopped') return;
    this.current = phase;
    this.ctx.phase(this.spec.name, phase, this.ctx.clock.monotonic() - this.started, cause);
  }

  async boot(): Promise<void> {
    this.started = this.ctx.clock.monotonic();
    const { spec, ctx } = this;
    const deviceDir = path.join(ctx.stateDir, 'devices', spec.name);
    try {
      const profile = specProfile(spec);
      const factory = await this.firstBootCredentials(deviceDir);
      if (factory.length > 0) {
        profile.credentials = {
          ...profile.credentials,
          factory: [...(profile.credentials?.factory ?? []), ...factory],
        };
      }
      this.set('booting');
      const device = await Device.boot({
        name: spec.name,
        stateDir: ctx.stateDir,
        serial: 'none',
        profile,
        clock: ctx.clock,
        firmware: { image: ctx.image(spec) },
      });
      this.device = device;
      this.follow(device);
      if (this.current === 'stopped') await device.close();
    } catch (err) {
      this.set('failed', causeOf(err));
    }
  }

  /** Credentials for a store that was never written: none when the device has booted before. */
  private async firstBootCredentials(deviceDir: string): Promise<CredentialInput[]> {
    const recipe = this.spec.credentials;
    if (recipe.kind === 'none') return [];
    const stored = await access(path.join(deviceDir, 'credentials.json')).then(
      () => true,
      () => false,
    );
    if (stored) return [];
    let material: { caPem: string; certificatePem: string; privateKeyPem: string };
    if (recipe.kind === 'pem') {
      material = recipe;
    } else {
      this.set('provisioning');
      const thingName = recipe.thingName ?? `nrf-${await this.imei(deviceDir)}`;
      const issued = await this.ctx.provision(this.spec, thingName);
      material = { caPem: this.ctx.brokerCaPem ?? '', ...issued };
    }
    const tag = recipe.secTag;
    return [
      ...(material.caPem ? [{ secTag: tag, type: 0 as const, content: material.caPem }] : []),
      { secTag: tag, type: 1 as const, content: material.certificatePem },
      { secTag: tag, type: 2 as const, content: material.privateKeyPem },
    ];
  }

  /** The IMEI the device will boot with: the spec's, else its stored identity's, else its seed's. */
  private async imei(deviceDir: string): Promise<string> {
    const given = this.spec.profile?.identity?.imei;
    if (given) return given;
    const stored = await readJsonFile<{ imei?: unknown }>(path.join(deviceDir, 'identity.json')).catch(
      () => undefined,
    );
    if (typeof stored?.imei === 'string') return stored.imei;
    const profile = specProfile(this.spec);
    return deriveIdentity(profile.seed ?? this.spec.name, profile.identity).imei;
  }

  private follow(device: Device): void {
    const watchModem = (): void => {
      device.modem.network.on('registration', (state) => {
        if (REGISTERED.has(state.status) && (this.current === 'booting' || this.current === 'disconnected')) {
          this.set('registered');
        }
      });
      if (this.serial) device.modem.attach(this.serial);
    };
    watchModem();
    device.on('boot', () => watchModem());
    device.on('app-missing', (name) => this.set('failed', `app-unknown:${name}`));
    device.on('app', (event, detail) => {
      switch (event) {
        case 'connected':
          this.set('connected');
          break;
        case 'ready':
          this.set('ready');
          break;
        case 'disconnected':
          this.set('disconnected');
          this.ctx.error(this.spec.name, `disconnected:${String(detail.err ?? detail.event)}`);
          break;
        case 'error':
          this.ctx.error(this.spec.name, `mqtt-error:${String(detail.err)}`);
          break;
        case 'config-error':
          this.set('failed', 'config-error');
          break;
        case 'failed':
          this.set('failed', 'app-failed');
          break;
        case 'shadow-update':
        case 'data':
          this.ctx.message();
          break;
        default:
          break;
      }
    });
    if (device.power === 'halted') this.set('failed', 'no-bootable-image');
  }

  /** Opens the device's AT port on demand (a PTY or a TCP listener); returns where it is. */
  async attach(serial: string): Promise<string> {
    const device = this.device;
    if (!device) throw new Error(`${this.spec.name} is not running (${this.current})`);
    if (this.serial) return this.serial.address;
    const transport = await openSerial(parseSerialSpec(serial));
    if (!transport) throw new Error('--serial none opens no port');
    this.serial = transport;
    device.modem.attach(transport);
    return transport.address;
  }

  control(request: ControlRequest): Promise<unknown> {
    if (!this.device) throw new Error(`${this.spec.name} is not running (${this.current})`);
    return applyControlRequest(this.device, request);
  }

  async stop(): Promise<void> {
    this.set('stopped');
    await this.device?.close().catch(() => undefined);
    await this.serial?.close().catch(() => undefined);
  }
}

function causeOf(err: unknown): string {
  if (isSimError(err)) return err.code.replace(/^NRF91SIM_/, '').toLowerCase();
  return err instanceof Error ? err.message.slice(0, 80) : String(err);
}
