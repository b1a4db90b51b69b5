import { ErrorCode, SimError } from '../core/errors.js';
import type { AppStarter } from './app-context.js';
import type { AppManifest } from './image/manifest.js';

/** An application the device can run, by the name an image's manifest gives (`app`). */
export interface AppDefinition {
  start: AppStarter;
  /**
   * What the application prints on the UART as it starts, after the kernel's boot banner (the
   * sample's `printk` lines, e.g. at_client's `The AT host sample started`, `Ready`).
   */
  readyLines?: (manifest: AppManifest) => readonly string[];
  /**
   * False for an application whose UART carries no console (the Serial LTE Modem keeps its console
   * on RTT): the kernel's `*** Booting nRF Connect SDK … ***` line is not on its serial port.
   */
  consoleOnUart?: boolean;
}

const APP_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * Applications by manifest name. The device looks the running image's `app` up here, so adding an
 * application means registering it, not changing the device.
 */
export class AppRegistry {
  private readonly apps = new Map<string, AppDefinition>();

  /** Adds an application; a name already taken or not a manifest name is refused. */
  register(name: string, app: AppDefinition | AppStarter): this {
    if (!APP_NAME.test(name)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `application name ${JSON.stringify(name)}: use lower-case letters, digits, _ and - (max 32)`,
      );
    }
    if (this.apps.has(name)) {
      throw new SimError(ErrorCode.ALREADY_EXISTS, `an application named ${name} is already registered`);
    }
    this.apps.set(name, typeof app === 'function' ? { start: app } : app);
    return this;
  }

  has(name: string): boolean {
    return this.apps.has(name);
  }

  /** The application named `name`; APP_UNKNOWN (naming the known ones) when there is none. */
  get(name: string): AppDefinition {
    const app = this.apps.get(name);
    if (!app) {
      throw new SimError(
        ErrorCode.APP_UNKNOWN,
        `no application named ${JSON.stringify(name)} on this device (known: ${this.names().join(', ')})`,
      );
    }
    return app;
  }

  names(): string[] {
    return [...this.apps.keys()].sort();
  }

  /** A new registry with this one's applications, then `extra` (which replace same-named ones). */
  with(extra: Record<string, AppDefinition | AppStarter>): AppRegistry {
    const copy = new AppRegistry();
    for (const [name, app] of this.apps) if (!(name in extra)) copy.register(name, app);
    for (const [name, app] of Object.entries(extra)) copy.register(name, app);
    return copy;
  }
}
