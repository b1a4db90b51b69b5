import type { Clock } from '../core/clock.js';
import type { DeviceModem } from '../modem/device-modem.js';
import type { Transport } from '../modem/transport/transport.js';
import type { DeviceDfuTarget } from './boot/device-dfu-target.js';
import type { FlashSettings } from './boot/flash-settings.js';
import type { ModemDfuOutcome } from './boot/modem-dfu.js';
import type { DkButtons } from './buttons.js';
import type { ImageControl } from './boot/image-control.js';
import type { AppManifest } from './image/manifest.js';

/** What an application gets when the device starts it. */
export interface AppContext {
  /** The device-facing modem: AT, notifications, sockets, clock. */
  modem: DeviceModem;
  /** The UART, when the device has one. */
  serial: Transport | undefined;
  /** The running image's manifest: which app, its version and configuration. */
  manifest: AppManifest;
  /** MCUboot's application API (confirm the image, request an upgrade, write the secondary slot). */
  image: ImageControl;
  /** dfu_target over this device's flash and modem, for fota_download (one per power cycle). */
  dfu: DeviceDfuTarget;
  /** The DK's buttons (`dk_buttons`). */
  buttons: DkButtons;
  /** Zephyr settings in the device's flash: what a library keeps across reboots. */
  settings: FlashSettings;
  /** What the modem library reported at this boot about a scheduled modem delta (none: undefined). */
  modemDfu: ModemDfuOutcome | undefined;
  /**
   * `nrf_modem_lib_shutdown()` + `nrf_modem_lib_init()`: the modem restarts (in CFUN=0) without a
   * device reset and applies a scheduled modem delta; resolves with what the init reported.
   */
  modemLibReinit(): Promise<ModemDfuOutcome | undefined>;
  /** `sys_reboot()`: the device resets once the current call stack has returned. */
  reboot(): void;
  /** Tells the host what the application does: the device emits it as an `app` event. */
  report(event: string, detail?: Record<string, unknown>): void;
  clock: Clock;
}

/** A started application; the device stops it on reset or power loss. */
export interface RunningApp {
  stop(): void;
}

/** Starts a sample application. */
export type AppStarter = (ctx: AppContext) => RunningApp;
