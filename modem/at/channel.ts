import { ErrorCode, SimError } from '../../core/errors.js';
import { trace } from '../../core/trace.js';
import type { AtHost } from './host.js';
import type { SessionSettings } from './command.js';
import { dispatchLine, finalLine, type FinalResult } from './dispatcher.js';

export interface AtResponse {
  /** Information lines, without terminators. */
  lines: string[];
  final: FinalResult;
  /** The final result line as the session's `+CMEE` setting prints it (`OK`, `ERROR`, `+CME ERROR: 518`). */
  finalLine: string;
  ok: boolean;
}

/**
 * The in-process AT interface that code running on the device (the ported NCS libraries, sample apps)
 * uses, as `nrf_modem_at_cmd()` is for C code. Commands run one at a time in call order.
 */
export class AtChannel {
  readonly settings: SessionSettings = { cmee: 0, echo: false };
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly modem: AtHost) {}

  /** Sends one command line (`AT+CGSN`, `AT+CFUN=4;+CFUN?`) and resolves with the modem's response. */
  send(command: string): Promise<AtResponse> {
    const run = async (): Promise<AtResponse> => {
      trace('at', { device: this.modem.name, direction: 'cmd', line: command });
      const result = await dispatchLine(this.modem, this.modem.commands, this.settings, command);
      const line = finalLine(result.final, this.settings.cmee);
      trace('at', { device: this.modem.name, direction: 'rsp', line: [...result.lines, line].join('\r\n') });
      return { lines: result.lines, final: result.final, finalLine: line, ok: result.final.kind === 'ok' };
    };
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Like {@link send}, but rejects with an AT_COMMAND_FAILED error unless the answer is `OK`. */
  async command(command: string): Promise<string[]> {
    const response = await this.send(command);
    if (!response.ok) {
      throw new SimError(ErrorCode.AT_COMMAND_FAILED, `${command}: ${response.finalLine}`);
    }
    return response.lines;
  }
}
