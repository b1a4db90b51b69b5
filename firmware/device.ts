import path from 'node:path';
import { VirtualClock, type Clock } from '../core/clock.js';
import { ScopedClock } from '../core/scoped-clock.js';
import { ErrorCode, SimError, isSimError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import { readJsonFile, writeJsonAtomic } from '../core/atomic-file.js';
import { prepareStateDir } from '../core/state-dir.js';
import { parseStoredIdentity, type ModemIdentity } from '../modem/identity.js';
import { FileCredentialBackend } from '../modem/credentials/file-backend.js';
import { MemoryCredentialBackend } from '../modem/credentials/backend.js';
import { CredentialStore } from '../modem/credentials/store.js';
import { Modem } from '../modem/modem.js';
import type { ProfileInput } from '../modem/profile.js';
import type { Transport } from '../modem/transport/transport.js';
import type { AppStarter, RunningApp } from './app-context.js';
import { AppRegistry, type AppDefinition } from './app-registry.js';
import { builtInApps } from './apps/built-in.js';
import { bannerBytes, bootBanner } from './boot-banner.js';
import type { BootReport } from './boot/bootloader.js';
import { DeviceFlash } from './boot/device-flash.js';
import type { FlashLayout } from './boot/layout.js';
import type { ModemDfuOutcome } from './boot/modem-dfu.js';
import { DeviceControl } from './device-control.js';
import { DeviceDfuTarget } from './boot/device-dfu-target.js';
import { FlashSettings } from './boot/flash-settings.js';
import { DeviceButtons } from './buttons.js';
import { buildAppImage } from './image/app-image.js';
import type { KeyInput } from './image/keys.js';
import type { AppManifest } from './image/manifest.js';
import { openSerial, parseSerialSpec, type SerialSpec } from './serial.js';

export interface DeviceFirmwareOptions {
  /**
   * Image programmed into an erased primary slot on first boot. Default: the Serial LTE Modem
   * (`serial_lte_modem` 1.0.0, unsigned), whose UART answers the modem's AT commands and its `#X` ones.
   */
  image?: Uint8Array;
  /** Public keys built into the bootloader; images must then be signed by one of them. */
  bootloaderKeys?: readonly KeyInput[];
  layout?: Partial<FlashLayout>;
}

export interface DeviceOptions {
  /** Device name: names its state folder and seeds its identity. Default `nrf91-0`. */
  name?: string;
  /** The UART: a {@link SerialSpec} or its text form (`pty`, `pty:/tmp/nrf91-0`, `tcp:0`, `none`). */
  serial?: SerialSpec | string;
  /** State directory; the device keeps its files under `<state>/devices/<name>/`. Omit for none. */
  stateDir?: string;
  profile?: ProfileInput;
  /** The device's time: `systemClock`, or a `VirtualClock` to run hours in milliseconds. */
  clock: Clock;
  firmware?: DeviceFirmwareOptions;
  /**
   * Applications by manifest name: a registry to use instead of the built-in samples, or extra
   * applications added to (or replacing) them.
   */
  apps?: AppRegistry | Record<string, AppDefinition | AppStarter>;
}

/** Power and boot state: `halted` = MCUboot found no valid image and nothing runs. */
export type DevicePower = 'off' | 'running' | 'halted';

export type DeviceEvents = {
  /** A boot finished (after a reset or power-up). */
  boot: [report: BootReport, modemDfu: ModemDfuOutcome | undefined];
  /** Something the running application reported (see each sample application). */
  app: [event: string, detail: Record<string, unknown>];
  /**
   * The manifest names an application this device does not have: the image boots, nothing runs.
   * `error` (code APP_UNKNOWN) names the applications the device has.
   */
  'app-missing': [name: string, error: SimError];
  close: [];
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Device names name folders: letters, digits, `_ . -`, at most 64, not starting with a dot. */
export function validateDeviceName(name: string): void {
  if (!NAME.test(name)) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `device name ${JSON.stringify(name)}: use letters, digits, _ . - (max 64)`,
    );
  }
}

function appRegistry(apps: DeviceOptions['apps']): AppRegistry {
  if (apps instanceof AppRegistry) return apps;
  return apps ? builtInApps().with(apps) : builtInApps();
}

/**
 * A device: a modem, its UART, its flash with MCUboot, and the application named by the image in the
 * primary slot. A reset or power cycle runs the bootloader, recreates the modem (RAM state gone,
 * a scheduled modem delta applied) and starts the app again.
 */
export class Device extends TypedEmitter<DeviceEvents> {
  private isClosed = false;
  private app: RunningApp | undefined;
  private missingApp: SimError | undefined;
  private cycleScope: ScopedClock | undefined;
  private readonly apps: AppRegistry;
  private currentModem: Modem;
  private runningManifest: AppManifest | undefined;
  private powerState: DevicePower = 'off';
  private dfuTarget: DeviceDfuTarget | undefined;
  private lastReport: BootReport | undefined;
  /** The DK's buttons, pressed through `control.pressButton`. */
  readonly buttons = new DeviceButtons();
  /** The backend face: reset, power cut (also during a swap), reflash. */
  readonly control: DeviceControl;

  private constructor(
    modem: Modem,
    readonly serial: Transport | undefined,
    readonly stateDir: string | undefined,
    readonly flash: DeviceFlash,
    /** The modem's credential store lives in its NVM: it outlives every power cycle. */
    readonly credentials: CredentialStore,
    /** The device's time; each power cycle runs on a scope of it. */
    readonly clock: Clock,
    private readonly options: DeviceOptions,
  ) {
    super();
    this.currentModem = modem;
    this.apps = appRegistry(options.apps);
    this.control = new DeviceControl(this);
  }

  static async boot(options: DeviceOptions): Promise<Device> {
    const name = options.name ?? 'nrf91-0';
    validateDeviceName(name);
    const deviceDir = options.stateDir ? path.resolve(options.stateDir, 'devices', name) : undefined;
    const profile = deviceDir ? await loadIdentity(deviceDir, options.profile ?? {}) : options.profile;
    const credentials = await openCredentials(deviceDir, profile);
    // The library entry point: without a clock of its own the device runs on the system clock.
    const clock = options.clock;
    const modem = new Modem({
      name,
      clock,
      credentials,
      ...(profile ? { profile } : {}),
    });
    const fw = options.firmware ?? {};
    const flash = await DeviceFlash.open({
      ...(deviceDir ? { dir: path.join(deviceDir, 'flash') } : {}),
      ...(fw.layout ? { layout: fw.layout } : {}),
      ...(fw.bootloaderKeys ? { bootloaderKeys: fw.bootloaderKeys } : {}),
      owner: name,
    });
    if (flash.primaryErased()) {
      if (!fw.image && flash.bootloaderKeys.length > 0) {
        throw new SimError(
          ErrorCode.INVALID_ARGUMENT,
          'a device with a bootloader key needs a signed firmware.image to start from',
        );
      }
      await flash.program(fw.image ?? buildAppImage({ app: 'serial_lte_modem', version: '1.0.0' }));
    }
    const spec =
      typeof options.serial === 'string'
        ? parseSerialSpec(options.serial)
        : (options.serial ?? { kind: 'none' });
    const serial = await openSerial(spec);
    const device = new Device(modem, serial, deviceDir, flash, credentials, clock, options);
    try {
      await device.powerOn();
    } catch (err) {
      await serial?.close();
      throw err;
    }
    return device;
  }

  get name(): string {
    return this.currentModem.name;
  }

  /** The modem of the current power cycle (a new instance after every reset). */
  get modem(): Modem {
    return this.currentModem;
  }

  get identity(): ModemIdentity {
    return this.currentModem.identity;
  }

  /**
   * dfu_target of the current power cycle (what the application gives fota_download); a reset
   * starts a new one, as the C library's state is in RAM.
   */
  get dfu(): DeviceDfuTarget {
    if (!this.dfuTarget) throw new SimError(ErrorCode.INVALID_STATE, 'the device is not running');
    return this.dfuTarget;
  }

  get power(): DevicePower {
    return this.powerState;
  }

  /** The running image's manifest (undefined while off or halted). */
  get manifest(): AppManifest | undefined {
    return this.runningManifest;
  }

  /** True while the image's application runs (false when off, halted, or the app is unknown). */
  get appRunning(): boolean {
    return this.app !== undefined;
  }

  /** Why the running image's application did not start (APP_UNKNOWN), while that image runs. */
  get appError(): SimError | undefined {
    return this.missingApp;
  }

  get lastBoot(): BootReport | undefined {
    return this.lastReport;
  }

  /**
   * Power-up: MCUboot runs (a swap, a revert, finishing an interrupted swap), then the modem starts
   * (applying a scheduled delta update) and the image's application. A power cut injected during
   * the boot leaves the device off and rejects with BOOT_POWER_CUT.
   */
  async powerOn(): Promise<BootReport> {
    if (this.isClosed) throw new SimError(ErrorCode.INVALID_STATE, 'the device is closed');
    if (this.powerState !== 'off') throw new SimError(ErrorCode.INVALID_STATE, 'the device is already on');
    const report = await this.flash.bootloader().boot();
    this.lastReport = report;
    if (!report.bootable || !report.image) {
      this.powerState = 'halted';
      this.emit('boot', report, undefined);
      return report;
    }
    const dfu = await this.flash.modemDfu.applyAtBoot(this.currentModem.identity.firmwareVersion);
    const identity: ModemIdentity = {
      ...this.currentModem.identity,
      ...(dfu?.result === 'ok' ? { firmwareVersion: dfu.to } : {}),
    };
    if (!this.currentModem.closed) await this.currentModem.close();
    const clock = this.powerCycleClock();
    this.currentModem = new Modem({
      name: this.currentModem.name,
      clock,
      profile: { ...this.options.profile, identity },
      credentials: this.credentials,
    });
    if (this.stateDir) await writeJsonAtomic(path.join(this.stateDir, 'identity.json'), identity);
    const manifest = report.image.manifest ?? { app: 'unknown', version: report.image.version, config: {} };
    this.runningManifest = manifest;
    this.powerState = 'running';
    this.dfuTarget = new DeviceDfuTarget(this.flash, {
      saveProgress: manifest.config.dfuSaveProgress === true,
    });
    let app: AppDefinition | undefined;
    try {
      app = this.apps.get(manifest.app);
    } catch (err) {
      if (!isSimError(err, ErrorCode.APP_UNKNOWN)) throw err;
      this.missingApp = err;
      this.emit('app-missing', manifest.app, err);
    }
    // The kernel's banner and the sample's first lines, as a DK prints them after every reset.
    const banner = bannerBytes(bootBanner(manifest, app));
    if (banner !== '') this.serial?.write(banner);
    if (app) {
      this.app = app.start({
        modem: this.currentModem,
        serial: this.serial,
        manifest,
        image: this.flash.imageControl(),
        dfu: this.dfuTarget,
        settings: new FlashSettings(this.flash.storage),
        buttons: this.buttons,
        modemDfu: dfu,
        modemLibReinit: () => this.modemLibReinit(),
        reboot: () => {
          clock.setTimeout(() => {
            if (this.powerState === 'running') void this.control.reboot().catch(() => undefined);
          }, 0);
        },
        report: (event, detail = {}) => this.emit('app', event, detail),
        clock,
      });
    }
    this.emit('boot', report, dfu);
    return report;
  }

  /**
   * The modem library re-initialised by the application (no device reset): the modem goes to
   * CFUN=0, a scheduled delta is applied as at boot, and the running modem reports the new firmware.
   */
  private async modemLibReinit(): Promise<ModemDfuOutcome | undefined> {
    const modem = this.currentModem;
    await modem.channel().command('AT+CFUN=0');
    const dfu = await this.flash.modemDfu.applyAtBoot(modem.identity.firmwareVersion);
    if (dfu?.result === 'ok') {
      modem.profile.identity = { ...modem.identity, firmwareVersion: dfu.to };
      if (this.stateDir) await writeJsonAtomic(path.join(this.stateDir, 'identity.json'), modem.identity);
    }
    return dfu;
  }

  /** Power removed: the application and the modem stop where they are; flash keeps what was written. */
  async powerOff(): Promise<void> {
    this.app?.stop();
    this.app = undefined;
    this.buttons.clear();
    this.missingApp = undefined;
    this.dfuTarget = undefined;
    this.runningManifest = undefined;
    await this.currentModem.close();
    // Every wait of the modem and application ends with the power, whatever it was waiting for.
    this.cycleScope?.dispose();
    this.cycleScope = undefined;
    this.powerState = 'off';
  }

  /**
   * The clock of one power cycle: the device's clock, with every timer set on it cancelled at power
   * off (wall time or accelerated time alike). A virtual clock is used as it is: its timers hold
   * nothing, and a test advancing it sees every one.
   */
  private powerCycleClock(): Clock {
    this.cycleScope?.dispose();
    this.cycleScope = this.clock instanceof VirtualClock ? undefined : new ScopedClock(this.clock);
    return this.cycleScope ?? this.clock;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    await this.powerOff();
    this.isClosed = true;
    await this.serial?.close();
    this.emit('close');
  }
}

/**
 * A device keeps the identity it first booted with (an `--imei` given once sticks); values given now
 * override the stored ones.
 */
async function loadIdentity(deviceDir: string, input: ProfileInput): Promise<ProfileInput> {
  await prepareStateDir(deviceDir);
  let stored: unknown;
  try {
    stored = await readJsonFile<unknown>(path.join(deviceDir, 'identity.json'));
  } catch (err) {
    throw new SimError(
      ErrorCode.STATE_CORRUPT,
      `${path.join(deviceDir, 'identity.json')} is not valid JSON; fix or delete it`,
      {
        cause: err,
      },
    );
  }
  const identity = parseStoredIdentity(stored, path.join(deviceDir, 'identity.json'));
  return { ...input, identity: { ...identity, ...input.identity } };
}

/**
 * The device's credential store: `<deviceDir>/credentials.json` with a state directory, else kept in
 * memory for the life of the Device object (it still survives resets and power cycles).
 */
function openCredentials(
  deviceDir: string | undefined,
  profile: ProfileInput | undefined,
): Promise<CredentialStore> {
  const c = profile?.credentials;
  const options = c ? { limits: c, ...(c.factory ? { factory: c.factory } : {}) } : {};
  return deviceDir
    ? CredentialStore.open(new FileCredentialBackend(path.join(deviceDir, 'credentials.json')), options)
    : CredentialStore.open(new MemoryCredentialBackend(), options);
}

/** Boots a device; the library entry point (`import { createDevice } from 'nrf91sim'`). */
export function createDevice(options: DeviceOptions): Promise<Device> {
  return Device.boot(options);
}
