import type { AtHost } from './host.js';
import type { CommandTable, SessionSettings } from './command.js';
import { AtError } from './errors.js';
import { Params, parseCommandLine } from './parser.js';

export type FinalResult = { kind: 'ok' } | { kind: 'error' } | { kind: 'cme'; code: number };

export interface DispatchResult {
  lines: string[];
  final: FinalResult;
}

/** The final result line as the modem writes it, given the session's `+CMEE` setting. */
export function finalLine(final: FinalResult, cmee: 0 | 1): string {
  if (final.kind === 'ok') return 'OK';
  if (final.kind === 'cme' && cmee === 1) return `+CME ERROR: ${final.code}`;
  return 'ERROR';
}

/** The whole response as bytes on the wire: each line, then the final result, all CRLF-terminated. */
export function formatResponse(result: DispatchResult, cmee: 0 | 1): string {
  let out = '';
  for (const line of result.lines) out += `${line}\r\n`;
  return `${out}${finalLine(result.final, cmee)}\r\n`;
}

function failure(err: unknown): FinalResult {
  if (err instanceof AtError)
    return err.cme === undefined ? { kind: 'error' } : { kind: 'cme', code: err.cme };
  // A handler bug must not take the modem down: report it as a phone failure.
  return { kind: 'cme', code: 0 };
}

/**
 * Runs one command line: parses it, runs each chained command in order, and stops at the first failure
 * (information lines already produced are kept, as V.250 has it).
 */
export async function dispatchLine(
  modem: AtHost,
  table: CommandTable,
  session: SessionSettings,
  line: string,
): Promise<DispatchResult> {
  const lines: string[] = [];
  let commands;
  try {
    commands = parseCommandLine(line);
  } catch (err) {
    return { lines, final: failure(err) };
  }
  for (const command of commands) {
    const definition = table.get(command.name);
    const handler = definition?.[command.form];
    if (!handler) return { lines, final: { kind: 'error' } };
    try {
      const result = await handler({ modem, session, command, params: new Params(command.params) });
      if (result) lines.push(...result);
    } catch (err) {
      if (err instanceof AtError && err.lines) lines.push(...err.lines);
      if (!(err instanceof AtError)) modem.reportInternalError(command.name, err);
      return { lines, final: failure(err) };
    }
  }
  return { lines, final: { kind: 'ok' } };
}
