import { openBrokerConsole, type BrokerConsole } from '../broker-fixtures/control-api/client.js';
import type { CliEnv } from './env.js';

/** The CLI reaches the stand-in through the control API client of broker-fixtures. */
export { type BrokerConsole, type ConsoleReply } from '../broker-fixtures/control-api/client.js';

/** The stand-in's console on `stateDir`, on the CLI's clock (and fresh ids when no broker runs). */
export function openConsole(stateDir: string, env: CliEnv): Promise<BrokerConsole> {
  return openBrokerConsole(stateDir, { clock: env.clock, random: env.fresh() });
}
