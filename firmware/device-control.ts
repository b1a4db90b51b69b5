import { ErrorCode, isSimError } from '../core/errors.js';
import type { BootReport } from './boot/bootloader.js';
import type { DeviceFlash } from './boot/device-flash.js';
import type { DeviceButtons } from './buttons.js';

/** What the backend face needs of a device: its power switch and its flash. */
export interface ControlledDevice {
  readonly flash: DeviceFlash;
  readonly buttons: DeviceButtons;
  powerOn(): Promise<BootReport>;
  powerOff(): Promise<void>;
}

export interface PowerCutOptions {
  /**
   * Cut the power again during the boot that follows, before flash operation `n` of that boot (0 =
   * the first): a cut in the middle of a swap. Power then comes back once more and MCUboot resumes.
   */
  duringBootAtFlashOperation?: number;
}

export interface PowerCutResult {
  /** Set when the injected cut hit the boot: the operation number it stopped at. */
  interruptedAtFlashOperation?: number;
  /** The boot that finally ran. */
  report: BootReport;
}

/**
 * The device's backend face (the counterpart of `modem.control`): what tests and tools use to reset
 * it, pull the power, or reflash it. Firmware never uses this.
 */
export class DeviceControl {
  constructor(private readonly device: ControlledDevice) {}

  /** `sys_reboot()`: the application stops, MCUboot runs, the image's application starts again. */
  async reboot(): Promise<BootReport> {
    await this.device.powerOff();
    return this.device.powerOn();
  }

  /** Pulls the power and restores it, optionally cutting it again in the middle of the next boot. */
  async powerCut(options: PowerCutOptions = {}): Promise<PowerCutResult> {
    await this.device.powerOff();
    const at = options.duringBootAtFlashOperation;
    if (at !== undefined) {
      this.device.flash.faults.cutAfter(at);
      try {
        return { report: await this.device.powerOn() };
      } catch (err) {
        if (!isSimError(err, ErrorCode.BOOT_POWER_CUT)) throw err;
      } finally {
        this.device.flash.faults.disarm();
      }
      return { interruptedAtFlashOperation: at, report: await this.device.powerOn() };
    }
    return { report: await this.device.powerOn() };
  }

  /** Presses and releases DK button `button` (1–4); the running application sees both. */
  pressButton(button: number): void {
    this.device.buttons.press(button);
  }

  /** Reprograms the primary slot (like `west flash`) and resets the device. */
  async program(image: Uint8Array): Promise<BootReport> {
    await this.device.powerOff();
    await this.device.flash.program(image);
    return this.device.powerOn();
  }
}
