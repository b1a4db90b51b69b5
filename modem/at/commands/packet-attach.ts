import type { NetworkService } from '../../network/network.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

/**
 * `+CGATT=<0|1>`: detach from / attach to the packet domain (the modem attaches by itself after
 * `+CFUN=1`; `+CGATT=0` keeps it detached until `+CGATT=1`). Read `+CGATT: <state>`.
 */
export const cgatt: AtCommand = {
  name: '+CGATT',
  ref: 'nRF91 AT ref +CGATT; 3GPP TS 27.007 §10.1.9',
  set: ({ modem, params }) => {
    params.count(1);
    const state = params.oneOf(0, [0, 1]);
    const net = modem.network;
    if (!net.lteActive) throw new AtError(CmeError.OPERATION_NOT_ALLOWED);
    if (state === 1) net.attachPacketDomain();
    else net.detachPacketDomain();
  },
  read: ({ modem }) => [`+CGATT: ${modem.network.registered ? 1 : 0}`],
  test: () => ['+CGATT: (0,1)'],
};

/**
 * `+CGCONTRDP[=<cid>]`: dynamic parameters of active PDN connections,
 * `+CGCONTRDP: <cid>,,"<apn>","","","<DNS_prim>","<DNS_sec>",,,,,<IPv4_MTU>`, a dual-stack connection
 * with a second line for IPv6. A cid that is not active is refused (CME 3).
 */
export const cgcontrdp: AtCommand = {
  name: '+CGCONTRDP',
  ref: 'nRF91 AT ref +CGCONTRDP; 3GPP TS 27.007 §10.1.23',
  exec: ({ modem }) => lines(modem.network, undefined),
  set: ({ modem, params }) => {
    params.count(1);
    const cid = params.int(0, { min: 0, max: 11 });
    if (!modem.network.bearers.get(cid)?.active) throw new AtError(CmeError.OPERATION_NOT_ALLOWED);
    return lines(modem.network, cid);
  },
};

function lines(net: NetworkService, only: number | undefined): string[] {
  const out: string[] = [];
  const dns = net.radio.dnsServers;
  for (const c of net.bearers.list()) {
    if (!c.active || (only !== undefined && c.cid !== only)) continue;
    const apn = c.apn === '' ? net.radio.apn : c.apn;
    if (c.ipv4)
      out.push(
        `+CGCONTRDP: ${c.cid},,"${apn}","","","${dns.ipv4[0]}","${dns.ipv4[1]}",,,,,${net.radio.ipv4Mtu}`,
      );
    if (c.ipv6 && dns.ipv6)
      out.push(`+CGCONTRDP: ${c.cid},,"${apn}","","","${dns.ipv6[0]}","${dns.ipv6[1]}",,,,,`);
  }
  return out;
}
