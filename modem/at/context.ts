import type { Clock } from '../../core/clock.js';
import type { CredentialStore } from '../credentials/store.js';
import type { ModemIdentity } from '../identity.js';
import type { DataPath } from '../network/data-path.js';
import type { FunctionalModeState } from '../network/functional-mode.js';
import type { NetworkService } from '../network/network.js';
import type { ModemSensors } from '../sensors.js';
import type { ModemSettings } from '../settings.js';
import type { SimCard } from './sim-files.js';
import type { UrcSubscriptions } from './urc/subscriptions.js';

/**
 * What an AT command handler may use of the modem: its identity, clock and time, functional mode,
 * the network model (registration, bearers, power saving, radio), the credential store, the sensors,
 * the stored settings, the notification subscriptions, and a way to send a notification. `Modem`
 * satisfies it; handlers receive it as `ctx.modem`.
 */
export interface AtContext {
  readonly name: string;
  readonly identity: ModemIdentity;
  readonly clock: Clock;
  readonly functionalMode: FunctionalModeState;
  readonly network: NetworkService;
  readonly dataPath: DataPath;
  readonly credentials: CredentialStore;
  /** The UICC's files and logical channels (`+CRSM`, `+CSIM`). */
  readonly uicc: SimCard;
  readonly sensors: ModemSensors;
  readonly settings: ModemSettings;
  readonly subscriptions: UrcSubscriptions;
  /** The names of every command in the table (`+CLAC`). */
  readonly commands: { names(): string[] };
  /** The modem's time, or undefined before network time or `AT+CCLK=` set it. */
  now(): { epochMs: number; timezoneQuarters: number } | undefined;
  setTime(epochMs: number, timezoneQuarters: number): void;
  /** Emits a notification (URC) to every session and monitor. */
  notify(line: string): void;
  /** `%CESQ=1` while registered reports the current signal at once. */
  reportSignalQuality(): void;
}
