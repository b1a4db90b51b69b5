import type { AtCommand } from '../command.js';

/**
 * `+CLAC`: every modem command, one `AT<name>` per line (the Serial LTE Modem lists its own `#X`
 * commands with `AT#XCLAC`).
 */
export const clac: AtCommand = {
  name: '+CLAC',
  ref: 'nRF91 AT ref +CLAC; 3GPP TS 27.007 §8.37',
  exec: ({ modem }) =>
    modem.commands
      .names()
      .filter((n) => n.startsWith('+') || n.startsWith('%'))
      .map((n) => `AT${n}`),
};
