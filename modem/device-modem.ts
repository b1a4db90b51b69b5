import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { AtChannel } from './at/channel.js';
import type { AtCommand } from './at/command.js';
import type { AtMonitor, AtNotificationHandler } from './at/monitor.js';
import type { AtSession, AtSessionOptions } from './at/session.js';
import type { DeviceSockets } from './sockets/device-sockets.js';
import type { Transport } from './transport/transport.js';

/**
 * The modem as code running on the device sees it, what an NCS application has through
 * `nrf_modem_lib`: the AT interface (commands, notifications, `at_host` on a UART, custom
 * commands), the offloaded sockets with their DNS, and the device's clock and randomness. Cloud
 * libraries and sample applications receive this face and nothing more; the network model, the data
 * path and the radio link are the modem's own, and tests steer them through `modem.control`.
 */
export type { DeviceSockets } from './sockets/device-sockets.js';

export interface DeviceModem {
  /** The device name (it names traces and diagnostics). */
  readonly name: string;
  readonly clock: Clock;
  /** The device's seeded randomness. */
  readonly random: Random;
  /** The nrf_modem socket API, `getaddrinfo` included. */
  readonly sockets: DeviceSockets;
  /** A new AT channel, like `nrf_modem_at_cmd()`, with its own `+CMEE` setting. */
  channel(): AtChannel;
  /** An `AT_MONITOR`: notifications containing `filter` (all when undefined). */
  monitor(filter: string | undefined, handler: AtNotificationHandler): AtMonitor;
  /** `at_host` on a UART: serves the AT interface on `transport` until detached or closed. */
  attach(transport: Transport, options?: AtSessionOptions): AtSession;
  /**
   * An application's own AT commands (NCS `AT_CMD_CUSTOM`, or the Serial LTE Modem's table),
   * answered on every AT interface of the device until the returned function removes them.
   */
  registerCommands(commands: readonly AtCommand[]): () => void;
  /**
   * One ICMP echo over the default bearer (a raw socket), `family` 1 IPv4 or 2 IPv6: the round trip
   * in ms, or undefined when no reply came within `timeoutMs`.
   */
  icmpEcho(family: 1 | 2, payloadBytes: number, timeoutMs: number): Promise<number | undefined>;
}
