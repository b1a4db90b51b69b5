import type { DeviceModem } from '../../../modem/device-modem.js';
import type { SlmMqtt } from './mqtt-client.js';
import type { SlmConfig } from './slm-config.js';
import type { SlmSockets } from './slm-sockets.js';

/**
 * What the SLM's command handlers close over: the application's state and the device-facing modem
 * it was started with. Handlers take nothing else from the AT command context than the session
 * (for data mode), the command and its parameters.
 */
export interface SlmContext {
  readonly modem: DeviceModem;
  readonly config: SlmConfig;
  readonly sockets: SlmSockets;
  readonly mqtt: SlmMqtt;
  /** False once the SLM stopped (reset, power loss): work it started in the background ends. */
  readonly running: boolean;
  /** Writes an SLM notification (`#XMQTTEVT`, `#XPING`) on the SLM's UART, between responses. */
  notify(line: string): void;
  /** The SLM's command names in its table's order (`#XCLAC`). */
  commandNames(): readonly string[];
  /** `#XRESET`: closes what the SLM opened, powers the modem off and resets the device. */
  reset(): void;
}
