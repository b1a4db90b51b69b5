import type { AtCommand, Handler } from '../../../modem/at/command.js';
import { AtError } from '../../../modem/at/errors.js';
import { xclac, xreset, xslmver, xuuid } from './generic-commands.js';
import { xgetaddrinfo } from './getaddrinfo-command.js';
import { xmqttcfg, xmqttcon, xmqttpub, xmqttsub, xmqttunsub } from './mqtt-commands.js';
import { xping } from './ping-command.js';
import { xpoll } from './poll-command.js';
import type { SlmContext } from './slm-context.js';
import { slmError } from './slm-errors.js';
import { xsocket, xsocketselect, xssocket } from './socket-commands.js';
import { xsocketopt, xssocketopt } from './sockopt-commands.js';
import { xbind, xconnect, xrecv, xrecvfrom, xsend, xsendto } from './transfer-commands.js';

const FORMS = ['exec', 'read', 'test', 'set'] as const;

/** SLM answers every failure with a plain `ERROR`, whatever `+CMEE` says (slm_at_host.c). */
function plainErrors(command: AtCommand): AtCommand {
  const wrapped: { -readonly [K in keyof AtCommand]: AtCommand[K] } = {
    name: command.name,
    ref: command.ref,
  };
  for (const form of FORMS) {
    const handler = command[form];
    if (!handler) continue;
    const plain: Handler = async (ctx) => {
      try {
        return await handler(ctx);
      } catch (err) {
        if (!(err instanceof AtError) || err.cme === undefined) throw err;
        throw slmError(err.message, err.lines);
      }
    };
    wrapped[form] = plain;
  }
  return wrapped;
}

/** The SLM's `#X` commands, in the order of its command table (slm_at_commands.c). */
export function slmCommands(slm: SlmContext): AtCommand[] {
  return [
    xslmver(slm),
    xreset(slm),
    xuuid(slm),
    xclac(slm),
    xsocket(slm),
    xssocket(slm),
    xsocketselect(slm),
    xsocketopt(slm),
    xssocketopt(slm),
    xbind(slm),
    xconnect(slm),
    xsend(slm),
    xrecv(slm),
    xsendto(slm),
    xrecvfrom(slm),
    xpoll(slm),
    xgetaddrinfo(slm),
    xping(slm),
    xmqttcfg(slm),
    xmqttcon(slm),
    xmqttpub(slm),
    xmqttsub(slm),
    xmqttunsub(slm),
  ].map(plainErrors);
}
