import type { AtCommand } from '../../../modem/at/command.js';
import { AF_INET } from '../../../modem/sockets/constants.js';
import { DnsError, gaiStrerror } from '../../../modem/sockets/dns.js';
import { pdnAddresses } from './pdn-address.js';
import type { SlmContext } from './slm-context.js';
import { SLM_MAX_URL, slmError } from './slm-errors.js';

/** at_params_unsigned_short_get: the ping's numbers are u16. */
const U16 = { min: 0, max: 65535 };

interface PingRequest {
  family: 1 | 2;
  length: number;
  waitMs: number;
  count: number;
  intervalMs: number;
}

function seconds(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/**
 * ping_task(): one echo after another, `#XPING: <s.mmm> seconds` for each reply (nothing for a
 * timeout), a pause of the interval after each, then `#XPING: average <s.mmm> seconds` when more
 * than one reply came.
 */
async function pingTask(slm: SlmContext, p: PingRequest): Promise<void> {
  let sum = 0;
  let replies = 0;
  for (let i = 0; i < p.count && slm.running; i++) {
    const rtt = await slm.modem.icmpEcho(p.family, p.length, p.waitMs);
    if (!slm.running) return;
    if (rtt !== undefined) {
      slm.notify(`#XPING: ${seconds(rtt)} seconds`);
      replies++;
      sum += rtt;
    }
    await slm.modem.clock.sleep(p.intervalMs);
  }
  if (replies > 1 && slm.running) {
    slm.notify(`#XPING: average ${seconds(Math.floor((sum + Math.floor(replies / 2)) / replies))} seconds`);
  }
}

/**
 * `#XPING="<url>",<length>,<timeout ms>[,<count>[,<interval ms>[,<pdn>]]]` (slm_at_icmp.c): `OK`
 * once the target resolves and the PDN has a local address of its family, then the results as
 * notifications. A name that does not resolve answers its gai_strerror text, then `ERROR`.
 */
export function xping(slm: SlmContext): AtCommand {
  let queue: Promise<void> = Promise.resolve();
  return {
    name: '#XPING',
    ref: 'SLM ICMP_AT_commands.rst #XPING; slm_at_icmp.c',
    set: async (ctx) => {
      ctx.params.count(3, 6);
      const url = ctx.params.string(0, { maxLength: SLM_MAX_URL });
      const length = ctx.params.int(1, U16);
      const waitMs = ctx.params.int(2, U16);
      const count = ctx.params.optionalInt(3, U16) ?? 1;
      const intervalMs = ctx.params.optionalInt(4, U16) ?? 1000;
      const pdn = ctx.params.optionalInt(5, U16) ?? 0;
      let family: 1 | 2;
      try {
        const [target] = await slm.modem.sockets.getaddrinfo(url);
        if (!target) throw slmError(`cannot resolve ${url}`);
        family = target.family === AF_INET ? 1 : 2;
      } catch (err) {
        if (!(err instanceof DnsError)) throw err;
        throw slmError(err.message, [`"${gaiStrerror(err.code)}"`]);
      }
      const local = await pdnAddresses(slm.modem, pdn);
      if (!(family === 1 ? local.ipv4 : local.ipv6)) throw slmError(`no local address on PDN ${pdn}`);
      // The work queue runs one ping task after another.
      const request: PingRequest = { family, length, waitMs, count, intervalMs };
      queue = queue.then(() => pingTask(slm, request)).catch(() => undefined);
    },
  };
}
