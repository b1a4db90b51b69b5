import type { AtCommand, CommandContext } from '../../../modem/at/command.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_TLS_1_2,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_TLS,
  TLS_PEER_VERIFY,
  TLS_SEC_TAG_LIST,
} from '../../../modem/sockets/constants.js';
import { slmCall, slmError } from './slm-errors.js';
import type { SlmContext } from './slm-context.js';

/** `#XSOCKET=<op>` / `#XSSOCKET=<op>`: 0 close, 1 open IPv4, 2 open IPv6. */
const OPS = [0, 1, 2] as const;

function closeActive(slm: SlmContext): string[] {
  const state = slm.sockets;
  if (state.active === undefined || !state.sockets.has(state.active)) return [];
  const fd = state.active;
  if (slm.modem.sockets.isOpen(fd)) slm.modem.sockets.close(fd);
  state.remove(fd);
  return ['#XSOCKET: 0,"closed"'];
}

function cid(ctx: CommandContext, index: number): number {
  return ctx.params.optionalInt(index, { min: 0, max: 10 }) ?? 0;
}

/**
 * `#XSOCKET`: open or close a TCP/UDP socket (Serial LTE Modem, SOCKET_AT_commands.rst). Opening
 * makes it the active socket; `#XSOCKET: <handle>,<type>,<protocol>`.
 */
export function xsocket(slm: SlmContext): AtCommand {
  return {
    name: '#XSOCKET',
    ref: 'SLM SOCKET_AT_commands.rst #XSOCKET; slm_at_socket.c',
    set: async (ctx) => {
      const op = ctx.params.oneOf(0, OPS);
      if (op === 0) return closeActive(slm);
      ctx.params.count(3, 4);
      const type = ctx.params.int(1);
      const role = ctx.params.int(2);
      if (role !== 0 && role !== 1) throw slmError('role');
      const c = cid(ctx, 3);
      if (type !== SOCK_STREAM && type !== SOCK_DGRAM) throw slmError(`socket type ${type} not supported`);
      const family = op === 1 ? AF_INET : AF_INET6;
      const fd = await slmCall('socket', () => slm.modem.sockets.socket(family, type, 0));
      slm.sockets.add({ fd, family, role, type, secTag: -1, cid: c });
      return [`#XSOCKET: ${fd},${type},${type === SOCK_STREAM ? 6 : 17}`];
    },
    read: () => {
      const state = slm.sockets;
      const s = state.active === undefined ? undefined : state.sockets.get(state.active);
      return s ? [`#XSOCKET: ${s.fd},${s.family},${s.role},${s.type},${s.cid}`] : [];
    },
    test: () => ['#XSOCKET: (0,1,2),(1,2,3),(0,1),<cid>'],
  };
}

/**
 * `#XSSOCKET`: open a TLS socket with one sec tag (`#XSSOCKET: <handle>,1,258`). DTLS (type 2)
 * fails: the simulator has no DTLS. Peer verification defaults to required for a client.
 */
export function xssocket(slm: SlmContext): AtCommand {
  return {
    name: '#XSSOCKET',
    ref: 'SLM SOCKET_AT_commands.rst #XSSOCKET; slm_at_socket.c',
    set: async (ctx) => {
      const op = ctx.params.oneOf(0, OPS);
      if (op === 0) return closeActive(slm);
      ctx.params.count(4, 6);
      const type = ctx.params.int(1);
      const role = ctx.params.int(2);
      if (role !== 0 && role !== 1) throw slmError('role');
      const secTag = ctx.params.int(3, { min: 0, max: 2147483647 });
      const peerVerify = ctx.params.optionalInt(4, { min: 0, max: 2 }) ?? (role === 0 ? 2 : 0);
      const c = cid(ctx, 5);
      if (type !== 1) throw slmError(type === 2 ? 'DTLS is not simulated' : `type ${type}`);
      if (role === 1) throw slmError('TLS servers are not supported');
      const family = op === 1 ? AF_INET : AF_INET6;
      const sockets = slm.modem.sockets;
      const fd = await slmCall('socket', () => sockets.socket(family, SOCK_STREAM, IPPROTO_TLS_1_2));
      sockets.setsockopt(fd, SOL_TLS, TLS_SEC_TAG_LIST, [secTag]);
      sockets.setsockopt(fd, SOL_TLS, TLS_PEER_VERIFY, peerVerify);
      slm.sockets.add({ fd, family, role, type, secTag, cid: c });
      return [`#XSSOCKET: ${fd},${type},${IPPROTO_TLS_1_2}`];
    },
    read: () => {
      const state = slm.sockets;
      const s = state.active === undefined ? undefined : state.sockets.get(state.active);
      return s && s.secTag >= 0
        ? [`#XSSOCKET: ${s.fd},${s.family},${s.role},${s.type},${s.secTag},${s.cid}`]
        : [];
    },
    test: () => ['#XSSOCKET: (0,1,2),(1,2),(0,1),<sec_tag>,<peer_verify>,<cid>'],
  };
}

/** `#XSOCKETSELECT`: pick the active socket; the read form lists them all. */
export function xsocketselect(slm: SlmContext): AtCommand {
  return {
    name: '#XSOCKETSELECT',
    ref: 'SLM SOCKET_AT_commands.rst #XSOCKETSELECT',
    set: (ctx) => {
      ctx.params.count(1);
      const fd = ctx.params.int(0, { min: 0 });
      const state = slm.sockets;
      if (!state.sockets.has(fd) || !slm.modem.sockets.isOpen(fd)) throw slmError(`no socket ${fd}`);
      state.active = fd;
      return [`#XSOCKETSELECT: ${fd}`];
    },
    read: () => {
      const state = slm.sockets;
      const lines = [...state.sockets.values()]
        .filter((s) => slm.modem.sockets.isOpen(s.fd))
        .sort((a, b) => a.fd - b.fd)
        .map(
          (s) => `#XSOCKETSELECT: ${s.fd},${s.family},${s.role},${s.type},${s.secTag},${s.ranking},${s.cid}`,
        );
      if (state.active !== undefined && state.sockets.has(state.active))
        lines.push(`#XSOCKETSELECT: ${state.active}`);
      return lines;
    },
  };
}
