import type { Link, LinkPresetName, LinkProfile } from '../core/link.js';
import { deviceIdentityKey } from './credentials/identity-key.js';
import type { CredentialStore } from './credentials/store.js';
import type { ModemIdentity } from './identity.js';
import type { DataPath } from './network/data-path.js';
import type { EnergyMeter, EnergyReport } from './network/energy-meter.js';
import type { FunctionalModeState } from './network/functional-mode.js';
import type { NetworkService } from './network/network.js';
import type { ModemSensors } from './sensors.js';
import type { DnsResolver } from './sockets/dns.js';

export { temperatureLevel } from './sensors.js';

/** The parts of a modem its control face steers (the `Modem` is one). */
export interface ControlledModem {
  readonly name: string;
  readonly identity: ModemIdentity;
  readonly functionalMode: FunctionalModeState;
  readonly network: NetworkService;
  readonly dataPath: DataPath;
  readonly sensors: ModemSensors;
  readonly credentials: CredentialStore;
  readonly link: Link;
  readonly dns: DnsResolver;
  readonly energy: EnergyMeter;
  setTime(epochMs: number, timezoneQuarters: number): void;
  notify(line: string): void;
}

export interface ModemStatus {
  name: string;
  imei: string;
  functionalMode: number;
  registration: number;
  coverage: boolean;
  sim: boolean;
  roaming: boolean;
  rrc: 'idle' | 'connected';
  powerSaving: 'awake' | 'psm';
  dataPath: boolean;
  ipv4: string | undefined;
  signal: { rsrp: number; rsrq: number; snr: number };
  temperatureC: number;
  batteryMv: number;
}

/**
 * The backend face of a simulated modem, as Zephyr emulators have one: what tests and the CLI use to
 * steer it (sensor readings, time, signal, coverage, registration denial, roaming, PDN drop, SIM removal,
 * injected notifications). Firmware
 * never uses this; it only sees AT and sockets.
 */
export class ModemControl {
  constructor(private readonly modem: ControlledModem) {}

  /** Sets the temperature `%XTEMP?` reports; a subscribed modem notifies level changes. */
  setTemperature(temperatureC: number): void {
    this.modem.sensors.setTemperature(temperatureC);
  }

  /**
   * Sets the supply voltage `%XVBAT` reports, in millivolts. Under the power-off warning level
   * (`%XPOFWARN`, 3000 mV when none is set) is a low battery; under `%XVBATLOWLVL` a low level.
   */
  setBatteryVoltage(millivolts: number): void {
    this.modem.sensors.setBatteryVoltage(millivolts);
  }

  // ---- the radio network ----------------------------------------------------------------------

  /** Sets RSRP (dBm), RSRQ (dB) and SNR (dB); `%CESQ` subscribers hear about threshold changes. */
  setSignal(signal: { rsrp?: number; rsrq?: number; snr?: number }): void {
    this.modem.network.setSignal(signal);
  }

  /** Coverage lost: the data path drops, `+CEREG: 2` (searching), later `+CEREG: 4`. */
  loseCoverage(): void {
    this.modem.network.setCoverage(false);
  }

  /** Coverage back: the modem searches and registers again. */
  regainCoverage(): void {
    this.modem.network.setCoverage(true);
  }

  /** The network rejects the device with EMM `cause` (`+CEREG: 3,...,0,<cause>`, `+CNEC_EMM`). */
  denyRegistration(cause = 15): void {
    this.modem.network.deny(cause);
  }

  /** Lifts a denial; the modem searches again. */
  allowRegistration(): void {
    this.modem.network.allow();
  }

  /** Serving network is (not) the home network: `+CEREG` stat 5 (1). */
  setRoaming(roaming: boolean): void {
    this.modem.network.setRoaming(roaming);
  }

  /** The network deactivates the default bearer (`+CGEV: NW PDN DEACT 0`); it comes back shortly. */
  dropPdn(): void {
    this.modem.network.dropPdn();
  }

  /** The SIM is pulled: detach, `+CEREG: 90`, SIM commands fail. */
  removeSim(): void {
    this.modem.network.removeSim();
  }

  insertSim(): void {
    this.modem.network.insertSim();
  }

  /** A snapshot for people and scripts (the CLI's `device control status`). */
  status(): ModemStatus {
    const net = this.modem.network;
    const s = net.radio.signal;
    return {
      name: this.modem.name,
      imei: this.modem.identity.imei,
      functionalMode: this.modem.functionalMode.mode,
      registration: net.registration,
      coverage: net.inCoverage,
      sim: net.sim,
      roaming: net.radio.roaming,
      rrc: net.rrc.state,
      powerSaving: net.rrc.sleep,
      dataPath: this.modem.dataPath.up,
      ipv4: this.modem.dataPath.ipv4,
      signal: { rsrp: s.rsrp, rsrq: s.rsrq, snr: s.snr },
      temperatureC: this.modem.sensors.temperatureC,
      batteryMv: this.modem.sensors.batteryMv,
    };
  }

  /**
   * The estimated charge the modem used since it started, from the device time it spent in each
   * state and the data it moved (docs/scenarios.md#energy); with `batteryMah`, the projected battery life.
   */
  energy(options: { batteryMah?: number } = {}): EnergyReport {
    return this.modem.energy.report(options);
  }

  /** Starts the energy estimate afresh from now (e.g. once a fleet is up, to leave boot out). */
  resetEnergy(): void {
    this.modem.energy.reset();
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
