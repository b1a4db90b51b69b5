import type { AtCommand } from '../../../modem/at/command.js';
import { AF_UNSPEC } from '../../../modem/sockets/constants.js';
import { DnsError, gaiStrerror } from '../../../modem/sockets/dns.js';
import type { SlmContext } from './slm-context.js';
import { SLM_MAX_URL, slmError } from './slm-errors.js';

/**
 * `#XGETADDRINFO="<hostname>"[,<family>]`: resolves with the modem's DNS table;
 * `#XGETADDRINFO: "<ip>"`. A failure prints the gai_strerror text (`"EAI_NONAME"`) before ERROR.
 */
export function xgetaddrinfo(slm: SlmContext): AtCommand {
  return {
    name: '#XGETADDRINFO',
    ref: 'SLM SOCKET_AT_commands.rst #XGETADDRINFO; slm_at_socket.c',
    set: async (ctx) => {
      ctx.params.count(1, 2);
      const host = ctx.params.string(0, { maxLength: SLM_MAX_URL });
      const family = (ctx.params.optionalInt(1, { min: 0, max: 2 }) ?? AF_UNSPEC) as 0 | 1 | 2;
      try {
        const results = await slm.modem.sockets.getaddrinfo(host, undefined, { family });
        return [`#XGETADDRINFO: "${results.map((r) => r.addr.address).join(' ')}"`];
      } catch (err) {
        if (!(err instanceof DnsError)) throw err;
        // The SLM writes the reason as an information line, then ERROR.
        throw slmError(err.message, [`#XGETADDRINFO: "${gaiStrerror(err.code)}"`]);
      }
    },
  };
}
