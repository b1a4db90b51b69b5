import type { AtCommand } from '../../../modem/at/command.js';
import { POLLIN, type PollFd } from '../../../modem/sockets/constants.js';
import type { SlmContext } from './slm-context.js';
import { slmCall, slmError } from './slm-errors.js';

/**
 * `#XPOLL=<timeout ms>[,<handle1>…<handle8>]`: polls the given SLM sockets (all of them without
 * handles) for POLLIN; `#XPOLL: <handle>,"0x%04x"` per socket with events. A negative timeout
 * waits forever (zsock_poll), one outside int32 answers ERROR.
 */
export function xpoll(slm: SlmContext): AtCommand {
  return {
    name: '#XPOLL',
    ref: 'SLM SOCKET_AT_commands.rst #XPOLL',
    set: async (ctx) => {
      ctx.params.count(1, 9);
      // at_parser_num_get() into an int: beyond int32 is ERROR; a negative timeout waits forever.
      const timeout = ctx.params.int(0, { min: -2147483648, max: 2147483647 });
      const open = slm.sockets.open();
      let handles: number[];
      if (ctx.params.length === 1) {
        handles = open.sort((a, b) => a - b);
      } else {
        handles = [];
        for (let i = 1; i < ctx.params.length; i++) {
          const fd = ctx.params.int(i, { min: 0 });
          if (!open.includes(fd)) throw slmError(`socket ${fd} is not open`);
          handles.push(fd);
        }
      }
      const fds: PollFd[] = handles.map((fd) => ({ fd, events: POLLIN, revents: 0 }));
      await slmCall('poll', () => slm.modem.sockets.poll(fds, timeout));
      return fds
        .filter((p) => p.revents !== 0)
        .map((p) => `#XPOLL: ${p.fd},"0x${p.revents.toString(16).padStart(4, '0')}"`);
    },
  };
}
