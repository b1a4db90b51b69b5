import {
  IPPROTO_TCP,
  SO_BINDTOPDN,
  SO_IP_ECHO_REPLY,
  SO_IPV6_ECHO_REPLY,
  SO_RAI,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_SILENCE_ALL,
  SO_SNDTIMEO,
  SO_TCP_SRV_SESSTIMEO,
  SOL_SOCKET,
  SOL_TLS,
  TLS_CIPHERSUITE_USED,
  TLS_DTLS_HANDSHAKE_TIMEO,
  TLS_HOSTNAME,
  TLS_PEER_VERIFY,
  TLS_SESSION_CACHE,
  TLS_SESSION_CACHE_PURGE,
  type Timeval,
} from '../../../modem/sockets/constants.js';
import type { AtCommand } from '../../../modem/at/command.js';
import { slmCall, slmError } from './slm-errors.js';
import type { SlmContext } from './slm-context.js';

/** `#XSOCKETOPT` names: the SLM's numbers map to a level and option (slm_sockopt.h). */
const SOCKET_OPTIONS: Record<number, { level: number; option: number; get: boolean; set: boolean }> = {
  2: { level: SOL_SOCKET, option: SO_REUSEADDR, get: false, set: true },
  20: { level: SOL_SOCKET, option: SO_RCVTIMEO, get: true, set: true },
  21: { level: SOL_SOCKET, option: SO_SNDTIMEO, get: true, set: true },
  30: { level: SOL_SOCKET, option: SO_SILENCE_ALL, get: true, set: true },
  31: { level: SOL_SOCKET, option: SO_IP_ECHO_REPLY, get: true, set: true },
  32: { level: SOL_SOCKET, option: SO_IPV6_ECHO_REPLY, get: true, set: true },
  40: { level: SOL_SOCKET, option: SO_BINDTOPDN, get: false, set: true },
  55: { level: IPPROTO_TCP, option: SO_TCP_SRV_SESSTIMEO, get: true, set: true },
  61: { level: SOL_SOCKET, option: SO_RAI, get: false, set: true },
};

/** `#XSOCKETOPT=<op>,<name>[,<value>]` on the active socket; op 0 get, 1 set; timeouts in seconds. */
export function xsocketopt(slm: SlmContext): AtCommand {
  return {
    name: '#XSOCKETOPT',
    ref: 'SLM SOCKET_AT_commands.rst #XSOCKETOPT',
    set: async (ctx) => {
      ctx.params.count(2, 3);
      const op = ctx.params.oneOf(0, [0, 1] as const);
      const name = ctx.params.int(1);
      const spec = SOCKET_OPTIONS[name];
      if (!spec || (op === 0 && !spec.get) || (op === 1 && !spec.set)) throw slmError(`option ${name}`);
      const { fd } = slm.sockets.current();
      const sockets = slm.modem.sockets;
      const timeout = spec.option === SO_RCVTIMEO || spec.option === SO_SNDTIMEO;
      if (op === 1) {
        const value = ctx.params.optionalInt(2) ?? 0;
        await slmCall('setsockopt', () =>
          sockets.setsockopt(fd, spec.level, spec.option, timeout ? { tv_sec: value, tv_usec: 0 } : value),
        );
        return [];
      }
      const value = await slmCall('getsockopt', () => sockets.getsockopt(fd, spec.level, spec.option));
      return [`#XSOCKETOPT: ${timeout ? (value as Timeval).tv_sec : String(value)}`];
    },
    test: () => ['#XSOCKETOPT: (0,1),<name>,<value>'],
  };
}

const TLS_OPTIONS: Record<number, { option: number; get: boolean; set: boolean }> = {
  2: { option: TLS_HOSTNAME, get: true, set: true },
  4: { option: TLS_CIPHERSUITE_USED, get: true, set: false },
  5: { option: TLS_PEER_VERIFY, get: true, set: true },
  12: { option: TLS_SESSION_CACHE, get: true, set: true },
  13: { option: TLS_SESSION_CACHE_PURGE, get: false, set: true },
  18: { option: TLS_DTLS_HANDSHAKE_TIMEO, get: true, set: true },
};

/**
 * `#XSSOCKETOPT=<op>,<name>[,<value>]` on the active TLS socket. TLS_HOSTNAME takes a string,
 * `"NULL"` to disable the name check; the cipher suite in use reads as hex (`0xc02b`). The DTLS
 * connection id options (14, 15) fail: no DTLS.
 */
export function xssocketopt(slm: SlmContext): AtCommand {
  return {
    name: '#XSSOCKETOPT',
    ref: 'SLM SOCKET_AT_commands.rst #XSSOCKETOPT',
    set: async (ctx) => {
      ctx.params.count(2, 3);
      const op = ctx.params.oneOf(0, [0, 1] as const);
      const name = ctx.params.int(1);
      const s = slm.sockets.current();
      if (s.secTag < 0) throw slmError('not a secure socket');
      const spec = TLS_OPTIONS[name];
      if (!spec || (op === 0 && !spec.get) || (op === 1 && !spec.set)) throw slmError(`option ${name}`);
      const sockets = slm.modem.sockets;
      if (op === 1) {
        let value: string | number | null;
        if (spec.option === TLS_HOSTNAME) {
          const host = ctx.params.string(2, { maxLength: 128 });
          value = host.toUpperCase() === 'NULL' ? null : host;
        } else {
          value = ctx.params.optionalInt(2) ?? 0;
        }
        await slmCall('setsockopt', () => sockets.setsockopt(s.fd, SOL_TLS, spec.option, value));
        return [];
      }
      const value = await slmCall('getsockopt', () => sockets.getsockopt(s.fd, SOL_TLS, spec.option));
      if (spec.option === TLS_CIPHERSUITE_USED) return [`#XSSOCKETOPT: 0x${(value as number).toString(16)}`];
      if (spec.option === TLS_HOSTNAME) return [`#XSSOCKETOPT: ${value === null ? '' : String(value)}`];
      return [`#XSSOCKETOPT: ${String(value)}`];
    },
    test: () => ['#XSSOCKETOPT: (0,1),<name>,<value>'],
  };
}
