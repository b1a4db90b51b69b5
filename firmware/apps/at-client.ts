import type { AppContext, RunningApp } from '../app-context.js';

/**
 * The NCS `at_client` sample: the application does nothing but bridge the UART to the modem's AT
 * interface (through `at_host`), so a serial terminal talks to the modem directly.
 */
export function startAtClient(ctx: AppContext): RunningApp {
  if (!ctx.serial) return { stop: () => {} };
  const session = ctx.modem.attach(ctx.serial);
  return { stop: () => session.detach() };
}
