import type { AtContext } from './context.js';
import type { DataModePort } from './data-mode.js';
import type { ParsedCommand, Params } from './parser.js';

/** Per-connection AT settings: each serial session and each in-process channel has its own. */
export interface SessionSettings {
  /** `AT+CMEE`: 0 plain `ERROR`, 1 `+CME ERROR: <n>`. */
  cmee: 0 | 1;
  /** `ATE`: echo received characters back. */
  echo: boolean;
  /** Data mode (SLM), on sessions over a serial line only. */
  readonly dataMode?: DataModePort;
}

export interface CommandContext {
  /** The narrow face of the modem handlers use (named `modem` for readability at the call sites). */
  readonly modem: AtContext;
  readonly session: SessionSettings;
  readonly command: ParsedCommand;
  readonly params: Params;
}

/** Information lines before the final `OK`; nothing (void) means a bare `OK`. */
export type HandlerResult = readonly string[] | void;

export type Handler = (ctx: CommandContext) => HandlerResult | Promise<HandlerResult>;

/**
 * One AT command: its name and a handler per form it supports. A form without a handler answers
 * `ERROR`, as the modem does for e.g. `AT+CGSN?`.
 */
export interface AtCommand {
  /** `+CGSN`, `%XICCID`, `E`; the empty name is the bare `AT`. */
  readonly name: string;
  /** The behaviour reference the handler implements. */
  readonly ref: string;
  readonly exec?: Handler;
  readonly read?: Handler;
  readonly test?: Handler;
  readonly set?: Handler;
}

/** The modem's command table. Later layers (and tests) register more commands into it. */
export class CommandTable {
  private readonly commands = new Map<string, AtCommand>();

  constructor(commands: Iterable<AtCommand> = []) {
    for (const c of commands) this.register(c);
  }

  register(command: AtCommand): this {
    this.commands.set(command.name.toUpperCase(), command);
    return this;
  }

  /** Removes the command registered under `name`. */
  unregister(name: string): boolean {
    return this.commands.delete(name.toUpperCase());
  }

  get(name: string): AtCommand | undefined {
    return this.commands.get(name.toUpperCase());
  }

  names(): string[] {
    return [...this.commands.keys()].sort();
  }
}
