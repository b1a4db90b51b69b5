import type { Modem } from '../../modem/modem.js';
import type { Transport } from '../../modem/transport/transport.js';

/**
 * The NCS `at_client` sample: the application does nothing but bridge the UART to the modem's AT
 * interface (through `at_host`), so a serial terminal talks to the modem directly.
 */
export function startAtClient(modem: Modem, uart: Transport): { stop(): void } {
  const session = modem.attach(uart);
  return { stop: () => session.detach() };
}
