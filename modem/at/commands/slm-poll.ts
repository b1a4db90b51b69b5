import { POLLIN, type PollFd } from '../../sockets/constants.js';
import type { SlmCommand as AtCommand } from './slm-host.js';
import { slmCall, slmError, slmState } from './slm-state.js';

/**
 * `#XPOLL=<timeout ms>[,<handle1>…<handle8>]`: polls the given SLM sockets (all of them without
 * handles) for POLLIN; `#XPOLL: <handle>,"0x%04x"` per socket with events. -1 waits forever.
 */
export const xpoll: AtCommand = {
  name: '#XPOLL',
  ref: 'SLM SOCKET_AT_commands.rst #XPOLL',
  set: async (ctx) => {
    ctx.params.count(1, 9);
    const timeout = ctx.params.int(0, { min: -1 });
    const state = slmState(ctx.modem);
    const open = [...state.sockets.keys()].filter((fd) => ctx.modem.sockets.isOpen(fd));
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
    await slmCall('poll', () => ctx.modem.sockets.poll(fds, timeout));
    return fds
      .filter((p) => p.revents !== 0)
      .map((p) => `#XPOLL: ${p.fd},"0x${p.revents.toString(16).padStart(4, '0')}"`);
  },
};
