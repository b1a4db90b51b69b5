import type { LinkPresetName, LinkProfile } from '../core/link.js';
import { deviceIdentityKey } from './credentials/identity-key.js';
import type { CredentialStore } from './credentials/store.js';
import type { Modem } from './modem.js';
import type { DnsResolver } from './sockets/dns.js';

/** `%XTEMP` notification levels: 0 normal, 1 high-temperature warning, 2 critical (modem shuts down). */
export function temperatureLevel(temperatureC: number): 0 | 1 | 2 {
  if (temperatureC >= 90) return 2;
  if (temperatureC >= 80) return 1;
  return 0;
}

/**
 * The backend face of a simulated modem, as Zephyr emulators have one: what tests and the CLI use to
 * steer it (sensor readings, time, injected notifications; later: signal, coverage, faults). Firmware
 * never uses this; it only sees AT and sockets.
 */
export class ModemControl {
  constructor(private readonly modem: Modem) {}

  /** Sets the temperature `%XTEMP?` reports; a subscribed modem notifies level changes. */
  setTemperature(temperatureC: number): void {
    const before = temperatureLevel(this.modem.sensors.temperatureC);
    this.modem.sensors.temperatureC = temperatureC;
    const after = temperatureLevel(temperatureC);
    if (after !== before && this.modem.subscriptions.xtemp) {
      this.modem.notify(`%XTEMP: ${after},${Math.round(temperatureC)}`);
    }
  }

  /** Sets the supply voltage `%XVBAT` reports, in millivolts. */
  setBatteryVoltage(millivolts: number): void {
    this.modem.sensors.batteryMv = millivolts;
  }

  /** Sets the modem clock (`+CCLK?`), as network time would. */
  setTime(epochMs: number, timezoneQuarters = 0): void {
    this.modem.setTime(epochMs, timezoneQuarters);
  }

  /** Emits an arbitrary notification line to every session and monitor, e.g. `%MDMEV: ME OVERHEATED`. */
  injectNotification(line: string): void {
    this.modem.notify(line);
  }

  /** The credential store: list, read, put and delete items without AT (and without its LTE rule). */
  get credentials(): CredentialStore {
    return this.modem.credentials;
  }

  /** PEM public key of the device identity key that signs `%KEYGEN` and `%ATTESTTOKEN` answers. */
  identityPublicKey(): string {
    return deviceIdentityKey(this.modem.identity.deviceUuid).publicKeyPem;
  }

  /** Changes the radio link of every socket: a preset (`ideal`, `lte-m`, `nb-iot`) or figures. */
  setLink(profile: LinkProfile | LinkPresetName): void {
    this.modem.link.setProfile(profile);
  }

  /** The radio goes silent without losing the PDN: TCP stalls, UDP is lost, until {@link healLink}. */
  partitionLink(): void {
    this.modem.link.partition();
  }

  healLink(): void {
    this.modem.link.heal();
  }

  /** The resolver table: add, replace or delete names at run time, or switch real DNS on. */
  get dns(): DnsResolver {
    return this.modem.dns;
  }
}
