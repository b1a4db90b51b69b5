import { MAX_CID, PDP_TYPES, type PdpType } from '../../network/pdn.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import { onNetwork } from '../network-errors.js';

/**
 * `+CGDCONT`: PDP contexts. Read lists every defined context,
 * `+CGDCONT: 0,"IP","ibasis.iot","10.160.1.74",0,0` (the address only while active).
 */
export const cgdcont: AtCommand = {
  name: '+CGDCONT',
  ref: 'ncs-behaviour §1.4 +CGDCONT; nRF91 AT ref +CGDCONT',
  set: ({ modem, params }) => {
    params.count(1, 3);
    const cid = params.int(0, { min: 0, max: MAX_CID });
    if (!params.has(1)) {
      onNetwork(() => modem.network.bearers.undefine(cid));
      return;
    }
    const type = params.string(1);
    if (!PDP_TYPES.includes(type as PdpType)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    const apn = params.optionalString(2, { maxLength: 63 }) ?? '';
    onNetwork(() => modem.network.bearers.define(cid, type as PdpType, apn));
  },
  read: ({ modem }) =>
    modem.network.bearers.list().map((c) => {
      const address = [c.ipv4, c.ipv6].filter((a) => a !== undefined).join(' ');
      return `+CGDCONT: ${c.cid},"${c.type}","${c.apn}","${address}",0,0`;
    }),
};

/** `+CGACT=<state>,<cid>`: activate secondary PDN connections; cid 0 belongs to the network. */
export const cgact: AtCommand = {
  name: '+CGACT',
  ref: 'nRF91 AT ref +CGACT: the initial PDN connection (cid 0) cannot be activated or deactivated',
  set: ({ modem, params }) => {
    params.count(2);
    const state = params.oneOf(0, [0, 1]);
    const cid = params.int(1, { min: 0, max: MAX_CID });
    const net = modem.network;
    onNetwork(() => (state === 1 ? net.bearers.activate(cid, net.registered) : net.bearers.deactivate(cid)));
  },
  read: ({ modem }) => modem.network.bearers.list().map((c) => `+CGACT: ${c.cid},${c.active ? 1 : 0}`),
  test: () => ['+CGACT: (0,1)'],
};

/** `+CGPADDR[=<cid>]`: addresses of active contexts, `+CGPADDR: 0,"10.160.1.74"[,"<ipv6>"]`. */
export const cgpaddr: AtCommand = {
  name: '+CGPADDR',
  ref: 'ncs-behaviour §1.4 +CGPADDR',
  exec: ({ modem }) =>
    modem.network.bearers
      .list()
      .filter((c) => c.active)
      .map(formatAddress),
  set: ({ modem, params }) => {
    params.count(1);
    const ctx = modem.network.bearers.get(params.int(0, { min: 0, max: MAX_CID }));
    if (!ctx) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    return ctx.active ? [formatAddress(ctx)] : [`+CGPADDR: ${ctx.cid}`];
  },
  test: ({ modem }) => [
    `+CGPADDR: (${modem.network.bearers
      .list()
      .map((c) => c.cid)
      .join(',')})`,
  ],
};

function formatAddress(c: { cid: number; ipv4: string | undefined; ipv6: string | undefined }): string {
  const parts = [c.ipv4, c.ipv6].filter((a) => a !== undefined).map((a) => `"${a}"`);
  return `+CGPADDR: ${[c.cid, ...parts].join(',')}`;
}

/** `+CGEREP=[<mode>]`: `+CGEV` packet domain event notifications; no parameter unsubscribes. */
export const cgerep: AtCommand = {
  name: '+CGEREP',
  ref: 'nRF91 AT ref +CGEREP; 3GPP TS 27.007 §10.1.19',
  set: ({ modem, params }) => {
    params.count(0, 1);
    modem.subscriptions.cgerep = params.has(0) ? params.oneOf(0, [0, 1]) : 0;
  },
  read: ({ modem }) => [`+CGEREP: ${modem.subscriptions.cgerep},0`],
  test: () => ['+CGEREP: (0,1),(0)'],
};
