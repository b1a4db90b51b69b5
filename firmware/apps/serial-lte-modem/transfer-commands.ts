import type { AtCommand, CommandContext } from '../../../modem/at/command.js';
import {
  MSG_DONTWAIT,
  SOCK_DGRAM,
  SO_RCVTIMEO,
  SOL_SOCKET,
  type SockAddr,
} from '../../../modem/sockets/constants.js';
import { Errno, SocketError } from '../../../modem/sockets/errno.js';
import { SlmDataMode } from './data-mode.js';
import { pdnAddresses } from './pdn-address.js';
import type { SlmContext } from './slm-context.js';
import { SLM_MAX_PAYLOAD, SLM_MAX_URL, slmCall, slmError } from './slm-errors.js';
import type { SlmSocket } from './slm-sockets.js';

/** `#XRECV` and `#XRECVFROM` read at most this much per command (the SLM's data buffer). */
const RECV_BUFFER = SLM_MAX_PAYLOAD;
/** recv flags the SLM passes through: MSG_PEEK 2, MSG_DONTWAIT 64, MSG_WAITALL 256. */
const RECV_FLAGS = 2 | 64 | 256;

async function resolve(slm: SlmContext, s: SlmSocket, host: string, port: number): Promise<SockAddr> {
  const [info] = await slmCall('getaddrinfo', () =>
    slm.modem.sockets.getaddrinfo(host, String(port), { family: s.family as 1 | 2 }),
  );
  if (!info) throw slmError(`cannot resolve ${host}`);
  return info.addr;
}

async function sendAll(slm: SlmContext, fd: number, data: Buffer, to?: SockAddr): Promise<number> {
  const sockets = slm.modem.sockets;
  let sent = 0;
  while (sent < data.length) {
    const chunk = data.subarray(sent);
    sent += to ? await sockets.sendto(fd, chunk, 0, to) : await sockets.send(fd, chunk);
  }
  return sent;
}

/** Data mode for `#XSEND`/`#XSENDTO` without data: payload goes out as it arrives. */
function startDataMode(slm: SlmContext, ctx: CommandContext, s: SlmSocket, to?: SockAddr): void {
  const mode = new SlmDataMode(slm.modem.clock, slm.config, async (data, moreData) => {
    // A datagram cannot be split: more than one buffer of data is an overflow (slm_at_socket.c).
    if (s.type === SOCK_DGRAM && moreData) throw new SocketError(Errno.EOVERFLOW);
    await sendAll(slm, s.fd, data, to);
  });
  try {
    mode.start(ctx.session.dataMode);
  } catch {
    throw slmError('data mode needs a serial session');
  }
}

function payload(ctx: CommandContext, index: number): Buffer | undefined {
  if (!ctx.params.has(index)) return undefined;
  const text = ctx.params.string(index);
  if (text.length === 0) return undefined;
  if (text.length > SLM_MAX_PAYLOAD) throw slmError('payload over 1024 bytes');
  return Buffer.from(text, 'latin1');
}

/** `#XCONNECT="<host>",<port>`: connects the active client socket; `#XCONNECT: 1`. */
export function xconnect(slm: SlmContext): AtCommand {
  return {
    name: '#XCONNECT',
    ref: 'SLM SOCKET_AT_commands.rst #XCONNECT',
    set: async (ctx) => {
      ctx.params.count(2);
      const s = slm.sockets.current();
      if (s.role !== 0) throw slmError('not a client socket');
      const host = ctx.params.string(0, { maxLength: SLM_MAX_URL });
      const port = ctx.params.int(1, { min: 0, max: 65535 });
      const addr = await resolve(slm, s, host, port);
      await slmCall('connect', () => slm.modem.sockets.connect(s.fd, addr));
      return ['#XCONNECT: 1'];
    },
  };
}

/** `#XBIND=<port>`: binds the active socket to a local port. */
export function xbind(slm: SlmContext): AtCommand {
  return {
    name: '#XBIND',
    ref: 'SLM SOCKET_AT_commands.rst #XBIND',
    set: async (ctx) => {
      ctx.params.count(1);
      const port = ctx.params.int(0, { min: 0, max: 65535 });
      const s = slm.sockets.current();
      const addresses = await pdnAddresses(slm.modem, s.cid);
      const local = s.family === 1 ? addresses.ipv4 : addresses.ipv6;
      if (!local) throw slmError('no local address');
      await slmCall('bind', () =>
        slm.modem.sockets.bind(s.fd, { family: s.family as 1 | 2, address: local, port }),
      );
    },
  };
}

/**
 * `#XSEND[="<data>"[,<flags>]]`: sends on the active socket (`#XSEND: <sent>`). Without data, or
 * with `""`, the session enters data mode and answers `OK`.
 */
export function xsend(slm: SlmContext): AtCommand {
  return {
    name: '#XSEND',
    ref: 'SLM SOCKET_AT_commands.rst #XSEND; slm_data_mode.rst',
    exec: (ctx) => {
      startDataMode(slm, ctx, slm.sockets.current());
    },
    set: async (ctx) => {
      ctx.params.count(0, 2);
      const s = slm.sockets.current();
      const data = payload(ctx, 0);
      if (!data) return startDataMode(slm, ctx, s);
      try {
        return [`#XSEND: ${await sendAll(slm, s.fd, data)}`];
      } catch (err) {
        // slm_at_socket.c reports what went out, then the error.
        throw slmError(`send: ${String(err)}`, ['#XSEND: 0']);
      }
    },
  };
}

/** `#XSENDTO="<host>",<port>[,"<data>"]`: one datagram (`#XSENDTO: <sent>`), or data mode. */
export function xsendto(slm: SlmContext): AtCommand {
  return {
    name: '#XSENDTO',
    ref: 'SLM SOCKET_AT_commands.rst #XSENDTO',
    set: async (ctx) => {
      ctx.params.count(2, 4);
      const s = slm.sockets.current();
      const host = ctx.params.string(0, { maxLength: SLM_MAX_URL });
      const port = ctx.params.int(1, { min: 0, max: 65535 });
      const data = payload(ctx, 2);
      const to = await resolve(slm, s, host, port);
      if (!data) return startDataMode(slm, ctx, s, to);
      const sent = await slmCall('sendto', () => slm.modem.sockets.sendto(s.fd, data, 0, to));
      return [`#XSENDTO: ${sent}`];
    },
  };
}

async function receive(slm: SlmContext, ctx: CommandContext, from: boolean): Promise<string[]> {
  ctx.params.count(1, 2);
  // Seconds, an int for at_parser_num_get(); 0 waits forever.
  const timeout = ctx.params.int(0, { min: 0, max: 2147483647 });
  const flags = ctx.params.optionalInt(1, { min: 0 }) ?? 0;
  if ((flags & ~RECV_FLAGS) !== 0) throw slmError(`flags ${flags}`);
  const s = slm.sockets.current();
  const sockets = slm.modem.sockets;
  // The SLM sets SO_RCVTIMEO to the command's timeout (0: wait forever).
  sockets.setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, { tv_sec: timeout, tv_usec: 0 });
  const r = await slmCall('recv', () =>
    sockets.recvfrom(s.fd, RECV_BUFFER, flags & (RECV_FLAGS | MSG_DONTWAIT)),
  );
  // 0 bytes: the peer closed the stream (or an empty datagram); the SLM answers only OK.
  if (r.data.length === 0) return [];
  const head = from
    ? `#XRECVFROM: ${r.data.length},"${r.from?.address ?? ''}",${r.from?.port ?? 0}`
    : `#XRECV: ${r.data.length}`;
  return [head, r.data.toString('latin1')];
}

/** `#XRECV=<timeout>[,<flags>]`: `#XRECV: <size>`, then the data as it arrived. */
export function xrecv(slm: SlmContext): AtCommand {
  return {
    name: '#XRECV',
    ref: 'SLM SOCKET_AT_commands.rst #XRECV',
    set: (ctx) => receive(slm, ctx, false),
  };
}

/** `#XRECVFROM=<timeout>[,<flags>]`: `#XRECVFROM: <size>,"<ip>",<port>`, then the data. */
export function xrecvfrom(slm: SlmContext): AtCommand {
  return {
    name: '#XRECVFROM',
    ref: 'SLM SOCKET_AT_commands.rst #XRECVFROM',
    set: (ctx) => receive(slm, ctx, true),
  };
}
