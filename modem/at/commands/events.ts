import { formatXtime } from '../urc/format.js';
import type { AtCommand } from '../command.js';

/** `+CNEC=<n>`: network error codes; 8 subscribes `+CNEC_EMM: <cause>`, 16 `+CNEC_ESM`, 24 both. */
export const cnec: AtCommand = {
  name: '+CNEC',
  ref: 'ncs-behaviour §1.4 other commands; 3GPP TS 27.007 §9.1.2',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.cnec = params.oneOf(0, [0, 8, 16, 24]);
  },
  read: ({ modem }) => [`+CNEC: ${modem.subscriptions.cnec}`],
  test: () => ['+CNEC: (0,8,16,24)'],
};

/** `%MDMEV=<n>`: modem domain events; 1 basic (`%MDMEV: ME OVERHEATED` …), 2 adds search status. */
export const mdmev: AtCommand = {
  name: '%MDMEV',
  ref: 'ncs-behaviour §1.4 other commands; nRF91 AT ref %MDMEV',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.mdmev = params.oneOf(0, [0, 1, 2]);
  },
  read: ({ modem }) => [`%MDMEV: ${modem.subscriptions.mdmev}`],
  test: () => ['%MDMEV: (0,1,2)'],
};

/**
 * `%XTIME=<n>`: network time notifications (NITZ), `%XTIME: "<tz>","<UTC semi-octets>","<dst>"`,
 * sent when the network provides time; subscribing while registered reports the last one.
 */
export const xtime: AtCommand = {
  name: '%XTIME',
  ref: 'ncs-behaviour §1.4 +CCLK/%XTIME',
  set: ({ modem, params }) => {
    params.count(1);
    modem.subscriptions.xtime = params.oneOf(0, [0, 1]);
    const now = modem.now();
    if (modem.subscriptions.xtime === 1 && modem.network.registered && now) {
      queueMicrotask(() => modem.notify(formatXtime(now.epochMs, now.timezoneQuarters)));
    }
  },
  read: ({ modem }) => [`%XTIME: ${modem.subscriptions.xtime}`],
};
