import { TypedEmitter } from '../core/events.js';
import type { SensorProfile } from './profile.js';

/** Critical temperature: TX/RX disabled (nRF91 AT ref %XTEMP, factory level 90 °C). */
const CRITICAL_C = 90;

/**
 * `%XTEMP` notification levels: 0 normal, 1 high (at or above the `%XTEMPHIGHLVL` level), 2 critical
 * (the modem shuts its radio down).
 */
export function temperatureLevel(temperatureC: number, highLevel = 55): 0 | 1 | 2 {
  if (temperatureC >= CRITICAL_C) return 2;
  if (temperatureC >= highLevel) return 1;
  return 0;
}

/** Below this the modem reports `%MDMEV: ME BATTERY LOW` when no `%XPOFWARN` level is set. */
const LOW_BATTERY_MV = 3000;

export type SensorEvents = {
  /** The temperature crossed into another `%XTEMP` level. */
  'temperature-level': [level: 0 | 1 | 2, temperatureC: number];
  /** Critical temperature reached (`%MDMEV: ME OVERHEATED`). */
  overheated: [];
  /** The supply fell under the power-off warning level (`%MDMEV: ME BATTERY LOW`). */
  'battery-low': [];
  /** An armed `%XPOFWARN` fired: the modem goes offline (`+CFUN=4`) by itself. */
  'power-off-warning': [];
  /** The supply is under the `%XVBATLOWLVL` level (`%XVBATLOWLVL: <mV>` when `%XVBATLVL=1`). */
  'battery-below-low-level': [millivolts: number];
};

/**
 * The modem's own sensors: temperature and supply voltage (set from the profile, changed through
 * `modem.control`), with the thresholds AT commands configure (`%XTEMPHIGHLVL`, `%XVBATLOWLVL`,
 * `%XPOFWARN`) and the events crossing them raises.
 */
export class ModemSensors extends TypedEmitter<SensorEvents> {
  private temperature: number;
  private battery: number;
  /** `%XTEMPHIGHLVL`: the high temperature level, °C (factory default 55). */
  highTemperatureLevel = 55;
  /** `%XVBATLOWLVL`: the battery low level, mV (factory default 3300). */
  batteryLowLevel = 3300;
  /** `%XPOFWARN=1,<level>`: warning level in mV, armed until it fires once. */
  private powerOffWarningMv: number | undefined;
  /** The level a fired power-off warning waits for the supply to come back over (CME 528 until then). */
  private firedAtMv: number | undefined;

  constructor(profile: SensorProfile) {
    super();
    this.temperature = profile.temperatureC;
    this.battery = profile.batteryMv;
  }

  get temperatureC(): number {
    return this.temperature;
  }

  get batteryMv(): number {
    return this.battery;
  }

  /** True after a power-off warning until the supply is back above its level. */
  get powerOffWarning(): boolean {
    return this.firedAtMv !== undefined;
  }

  setTemperature(temperatureC: number): void {
    const before = temperatureLevel(this.temperature, this.highTemperatureLevel);
    this.temperature = temperatureC;
    const after = temperatureLevel(temperatureC, this.highTemperatureLevel);
    if (after !== before) this.emit('temperature-level', after, Math.round(temperatureC));
    if (after === 2 && before !== 2) this.emit('overheated');
  }

  setBatteryVoltage(millivolts: number): void {
    const previous = this.battery;
    this.battery = millivolts;
    if (this.firedAtMv !== undefined && millivolts >= this.firedAtMv) this.firedAtMv = undefined;
    const armed = this.powerOffWarningMv;
    const warnAt = armed ?? LOW_BATTERY_MV;
    if (previous >= warnAt && millivolts < warnAt) {
      this.emit('battery-low');
      if (armed !== undefined) {
        // nRF91 AT ref %XPOFWARN: sent once, then it must be enabled again; the modem goes offline.
        this.powerOffWarningMv = undefined;
        this.firedAtMv = armed;
        this.emit('power-off-warning');
      }
    }
    if (previous >= this.batteryLowLevel && millivolts < this.batteryLowLevel) {
      this.emit('battery-below-low-level', Math.round(millivolts));
    }
  }

  /** `%XPOFWARN=<state>[,<level>]`: arm (level in mV) or disarm the power-off warning. */
  setPowerOffWarning(millivolts: number | undefined): void {
    this.powerOffWarningMv = millivolts;
    if (millivolts === undefined) this.firedAtMv = undefined;
  }

  /** `%XFACTORYRESET`: thresholds back to factory values. */
  reset(): void {
    this.highTemperatureLevel = 55;
    this.batteryLowLevel = 3300;
    this.setPowerOffWarning(undefined);
  }
}
