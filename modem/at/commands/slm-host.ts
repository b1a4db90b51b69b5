import type { SlmProfile } from '../../profile.js';
import type { DnsResolver } from '../../sockets/dns.js';
import type { ModemSockets } from '../../sockets/modem-sockets.js';
import type { AtCommand, CommandContext, HandlerResult } from '../command.js';
import type { AtContext } from '../context.js';

/**
 * What the Serial LTE Modem's `#X` handlers use beyond the modem's AT face: its sockets and resolver
 * (an application's faces on a real nRF9160) and the SLM's profile settings.
 */
export interface SlmModem extends AtContext {
  readonly sockets: ModemSockets;
  readonly dns: DnsResolver;
  readonly profile: { readonly slm: SlmProfile };
}

export interface SlmCommandContext extends Omit<CommandContext, 'modem'> {
  readonly modem: SlmModem;
}

type SlmHandler = (ctx: SlmCommandContext) => HandlerResult | Promise<HandlerResult>;

export interface SlmCommand {
  readonly name: string;
  readonly ref: string;
  readonly exec?: SlmHandler;
  readonly read?: SlmHandler;
  readonly test?: SlmHandler;
  readonly set?: SlmHandler;
}

/**
 * An SLM command in the modem's table. The modem is the handlers' context, so the narrow AT face is
 * widened back to the modem's sockets and resolver here, in one place, until the SLM runs as an
 * application with its own faces.
 */
export function slmCommand(command: SlmCommand, modem: SlmModem): AtCommand {
  const wrap = (h: SlmHandler | undefined): AtCommand['exec'] =>
    h && ((ctx) => h({ session: ctx.session, command: ctx.command, params: ctx.params, modem }));
  return {
    name: command.name,
    ref: command.ref,
    ...(command.exec ? { exec: wrap(command.exec) } : {}),
    ...(command.read ? { read: wrap(command.read) } : {}),
    ...(command.test ? { test: wrap(command.test) } : {}),
    ...(command.set ? { set: wrap(command.set) } : {}),
  };
}
