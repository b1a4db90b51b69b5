import type { ModemSockets } from './modem-sockets.js';

/**
 * The offloaded socket API as code on the device has it (nrf_modem / Zephyr sockets, `getaddrinfo`
 * included): without the modem's own parts of {@link ModemSockets} (its DNS table, which tests steer
 * through `modem.control`, the socket listing and the shutdown on power loss).
 */
export type DeviceSockets = Pick<
  ModemSockets,
  | 'owner'
  | 'socket'
  | 'close'
  | 'connect'
  | 'bind'
  | 'listen'
  | 'accept'
  | 'send'
  | 'sendto'
  | 'recv'
  | 'recvInto'
  | 'recvfrom'
  | 'poll'
  | 'setsockopt'
  | 'getsockopt'
  | 'fcntl'
  | 'getaddrinfo'
  | 'freeaddrinfo'
  | 'isOpen'
>;
