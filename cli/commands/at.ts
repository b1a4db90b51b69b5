import net from 'node:net';
import readline from 'node:readline';
import type { Command } from 'commander';
import { SerialPort } from 'serialport';
import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { AtClient, duplexLink, type AtClientResponse } from '../../modem/at/client.js';
import type { CliEnv } from '../env.js';
import { Output, reportError, EXIT_FAILURE } from '../output.js';

interface AtOptions {
  command?: string[];
  timeout: string;
  json?: boolean;
}

/** Opens `/dev/pts/N` (or a symlink, or any serial device) with `serialport`, or `tcp:[HOST:]PORT`. */
export async function openAtLink(
  target: string,
  clock: Clock,
): Promise<{ client: AtClient; close(): Promise<void> }> {
  const tcp = /^(?:tcp:)?(?:([^:/]+):)?(\d{1,5})$/.exec(target);
  if (tcp) {
    const socket = net.connect({ host: tcp[1] ?? '127.0.0.1', port: Number(tcp[2]) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (err) =>
        reject(new SimError(ErrorCode.SERIAL_OPEN_FAILED, `cannot connect to ${target}: ${err.message}`)),
      );
    });
    socket.setNoDelay(true);
    socket.on('error', () => {});
    const client = new AtClient(duplexLink(socket), { clock });
    return { client, close: async () => void socket.destroy() };
  }
  const port = new SerialPort({ path: target, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((err) =>
      err
        ? reject(new SimError(ErrorCode.SERIAL_OPEN_FAILED, `cannot open ${target}: ${err.message}`))
        : resolve(),
    ),
  );
  // Drop what an earlier client left unread, as a terminal program starting fresh would.
  await new Promise<void>((resolve) => port.flush(() => resolve()));
  port.on('error', () => {});
  const client = new AtClient(duplexLink(port), { clock });
  return {
    client,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

function formatResponse(out: Output, command: string, r: AtClientResponse): string {
  if (out.json)
    return `${JSON.stringify({ event: 'response', command, lines: r.lines, final: r.final, ok: r.ok })}\n`;
  return [...r.lines, r.final].map((line) => `${line}\n`).join('');
}

function formatUrc(out: Output, line: string, tty: boolean): string {
  if (out.json) return `${JSON.stringify({ event: 'urc', line })}\n`;
  return tty ? `\x1b[36m« ${line}\x1b[0m\n` : `« ${line}\n`;
}

/**
 * Prints what the port says in the order it said it: responses and URCs both from the client's
 * events, never from an awaited promise (a URC right after `OK` must not be printed before it). At
 * an idle interactive prompt a URC clears the prompt line, prints, and redraws the prompt with what
 * was typed so far.
 */
function attachPrinter(
  client: AtClient,
  out: Output,
  prompt: { rl: readline.Interface; idle: () => boolean } | undefined,
): void {
  client.on('response', (command, r) => process.stdout.write(formatResponse(out, command, r)));
  client.on('urc', (line) => {
    if (!prompt) {
      process.stdout.write(formatUrc(out, line, false));
      return;
    }
    const idle = prompt.idle();
    process.stdout.write(`${idle ? '\x1b[2K\r' : ''}${formatUrc(out, line, true)}`);
    if (idle) prompt.rl.prompt(true);
  });
}

export function registerAt(program: Command, env: CliEnv): void {
  program
    .command('at <port>')
    .description('an AT terminal for a serial port (/dev/pts/N, a symlink) or tcp:[HOST:]PORT')
    .option('-c, --command <cmd...>', 'send these commands, print the responses and exit')
    .option('--timeout <ms>', 'how long to wait for a final result', '10000')
    .option('--json', 'print one JSON object per response or URC')
    .action(async (target: string, options: AtOptions) => {
      const out = new Output(options.json === true);
      const timeout = Number(options.timeout);
      if (!Number.isFinite(timeout) || timeout <= 0) {
        reportError(
          new SimError(ErrorCode.INVALID_ARGUMENT, `--timeout ${options.timeout}: a positive number of ms`),
          out.json,
        );
        process.exitCode = EXIT_FAILURE;
        return;
      }
      let link;
      try {
        link = await openAtLink(target, env.clock);
      } catch (err) {
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
        return;
      }
      const interactive = !options.command && process.stdin.isTTY === true;
      let failed = false;
      let waiting = false;
      const run = async (command: string): Promise<void> => {
        waiting = true;
        try {
          const r = await link.client.send(command, timeout);
          if (!r.ok) failed = true;
        } catch (err) {
          failed = true;
          reportError(err, out.json);
        } finally {
          waiting = false;
        }
      };
      let closedByPeer = false;
      let leaving = false;
      link.client.on('close', () => {
        if (leaving) return;
        closedByPeer = true;
        reportError(new SimError(ErrorCode.TRANSPORT_CLOSED, `${target} closed`), out.json);
      });
      if (options.command) {
        attachPrinter(link.client, out, undefined);
        for (const command of options.command) await run(command);
      } else {
        const rl = readline.createInterface({
          input: process.stdin,
          output: process.stdout,
          terminal: interactive,
          historySize: 500,
          prompt: interactive ? 'AT> ' : '',
        });
        attachPrinter(link.client, out, interactive ? { rl, idle: () => !waiting } : undefined);
        if (interactive) {
          process.stdout.write(`connected to ${target}; type AT commands, Ctrl-D to leave\n`);
          rl.prompt();
          // Ctrl-C clears what was typed and gives a fresh prompt, as in a shell; Ctrl-D leaves.
          rl.on('SIGINT', () => {
            rl.write(null, { ctrl: true, name: 'e' });
            rl.write(null, { ctrl: true, name: 'u' });
            process.stdout.write('^C\n');
            if (!waiting) rl.prompt();
          });
        }
        for await (const raw of rl) {
          const command = raw.trim();
          if (command !== '') await run(command);
          if (closedByPeer) break;
          if (interactive) rl.prompt();
        }
        rl.close();
      }
      leaving = true;
      await link.close();
      // A script (commands or a pipe) learns of a failed command; a person at the prompt already saw it.
      if ((failed && !interactive) || closedByPeer) process.exitCode = EXIT_FAILURE;
    });
}
