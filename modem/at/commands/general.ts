import type { AtCommand } from '../command.js';

/** `AT`: attention, answers `OK`. */
export const attention: AtCommand = {
  name: '',
  ref: 'V.250 §5.2.1',
  exec: () => undefined,
};

/** `ATE0` / `ATE1` / `ATE`: command echo for this session (V.250 §6.2.4; `ATE` means `ATE0`). */
export const echo: AtCommand = {
  name: 'E',
  ref: 'V.250 §6.2.4',
  exec: ({ session }) => {
    session.echo = false;
  },
  set: ({ session, params }) => {
    session.echo = params.oneOf(0, [0, 1]) === 1;
  },
};

/** `+CMEE`: 0 plain `ERROR` (default after boot), 1 `+CME ERROR: <n>` (spec §1.2). */
export const cmee: AtCommand = {
  name: '+CMEE',
  ref: 'ncs-behaviour §1.2; 3GPP TS 27.007 §9.1',
  set: ({ session, params }) => {
    params.count(0, 1);
    session.cmee = params.has(0) ? params.oneOf(0, [0, 1]) : 0;
  },
  read: ({ session }) => [`+CMEE: ${session.cmee}`],
  test: () => ['+CMEE: (0,1)'],
};
