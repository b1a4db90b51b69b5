import { StateMachine } from '../../../core/state-machine.js';
import type { AtCommand } from '../../../modem/at/command.js';
import type { AtSession } from '../../../modem/at/session.js';
import type { DeviceModem } from '../../../modem/device-modem.js';
import type { Transport } from '../../../modem/transport/transport.js';
import type { AppContext, RunningApp } from '../../app-context.js';
import { slmCommands } from './commands.js';
import { SlmMqtt } from './mqtt-client.js';
import { DEFAULT_SLM_CONFIG, readSlmConfig, type SlmConfig } from './slm-config.js';
import type { SlmContext } from './slm-context.js';
import { SlmSockets } from './slm-sockets.js';

/** SLM_UART_RESPONSE_DELAY: the pause that lets a response leave the UART before a reset. */
const RESPONSE_DELAY_MS = 50;

/** `running` serves the UART; `resetting` is `#XRESET` between its OK and the reboot. */
export type SlmState = 'running' | 'resetting' | 'stopped';

const LEGAL: Readonly<Record<SlmState, readonly SlmState[]>> = {
  running: ['resetting', 'stopped'],
  resetting: ['stopped'],
  stopped: [],
};

export interface SerialLteModemOptions {
  /** The UART the SLM serves (its `at_host`); without one the commands still answer in-process. */
  serial?: Transport;
  config?: Partial<SlmConfig>;
  /** `sys_reboot()`, for `#XRESET`. */
  reboot?: () => void;
}

/**
 * Nordic's Serial LTE Modem application (`applications/serial_lte_modem`): the UART carries the
 * modem's AT interface plus the SLM's own `#X` commands (sockets, DNS, MQTT, data mode), which it
 * adds to the modem's command table while it runs and removes when it stops. Its state (sockets,
 * the MQTT client) belongs to this instance: a reset starts over, as the C application's RAM does.
 */
export class SerialLteModem implements SlmContext, RunningApp {
  readonly config: SlmConfig;
  readonly sockets: SlmSockets;
  readonly mqtt: SlmMqtt;
  private readonly session: AtSession | undefined;
  private readonly commands: AtCommand[];
  private readonly removeCommands: () => void;
  readonly lifecycle: StateMachine<SlmState>;

  constructor(
    readonly modem: DeviceModem,
    private readonly options: SerialLteModemOptions = {},
  ) {
    this.lifecycle = new StateMachine<SlmState>('serial-lte-modem', 'running', LEGAL, modem.name);
    this.config = { ...DEFAULT_SLM_CONFIG, ...options.config };
    this.sockets = new SlmSockets(modem.sockets);
    this.mqtt = new SlmMqtt(modem, (line) => this.notify(line));
    this.commands = slmCommands(this);
    this.removeCommands = modem.registerCommands(this.commands);
    this.session = options.serial ? modem.attach(options.serial) : undefined;
  }

  get running(): boolean {
    return !this.lifecycle.is('stopped');
  }

  notify(line: string): void {
    if (this.running) this.session?.unsolicited(line);
  }

  commandNames(): readonly string[] {
    return this.commands.map((c) => `AT${c.name}`);
  }

  reset(): void {
    if (!this.lifecycle.is('running')) return;
    this.lifecycle.transition('resetting');
    // SLM_UART_RESPONSE_DELAY: OK goes out first; then slm_at_host_uninit(), modem_power_off(), reboot.
    this.modem.clock.setTimeout(() => void this.finishReset(), RESPONSE_DELAY_MS);
  }

  private async finishReset(): Promise<void> {
    if (!this.lifecycle.is('resetting')) return;
    this.session?.detach();
    if (this.mqtt.connected) this.mqtt.disconnect();
    this.sockets.closeAll();
    await this.modem.channel().send('AT+CFUN=0');
    this.options.reboot?.();
  }

  /** Reset or power loss: the commands leave the modem's table and the UART is no longer served. */
  stop(): void {
    if (this.lifecycle.is('stopped')) return;
    this.lifecycle.transition('stopped');
    this.removeCommands();
    this.mqtt.abandon();
    this.session?.detach();
  }
}

/** The `serial_lte_modem` application as the device starts it from an image. */
export function startSerialLteModem(ctx: AppContext): RunningApp {
  return new SerialLteModem(ctx.modem, {
    ...(ctx.serial ? { serial: ctx.serial } : {}),
    config: readSlmConfig(ctx.manifest.config),
    reboot: ctx.reboot,
  });
}
