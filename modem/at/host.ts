import type { Clock } from '../../core/clock.js';
import type { CommandTable } from './command.js';
import type { AtContext } from './context.js';

/**
 * What serves AT commands: the handlers' context, the command table, and the notification stream
 * sessions, channels and monitors listen to. `Modem` is one.
 */
export interface AtHost extends AtContext {
  readonly clock: Clock;
  readonly commands: CommandTable;
  on(event: 'urc', listener: (line: string) => void): unknown;
  off(event: 'urc', listener: (line: string) => void): unknown;
  /** A handler failed unexpectedly; the command answered `+CME ERROR: 0`. */
  reportInternalError(command: string, error: unknown): void;
}
