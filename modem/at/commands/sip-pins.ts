import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import type { Params } from '../parser.js';

function ints(params: Params): number[] {
  return params.list.map((_, i) => params.int(i, { min: 0, max: 65_535 }));
}

function ranges(values: number[], from: number, count: number, maxState: number): void {
  if (values.length !== from + 3 * count) throw new AtError(CmeError.INCORRECT_PARAMETERS);
  for (let i = from; i < values.length; i += 3) {
    const [state, lo, hi] = values.slice(i, i + 3) as [number, number, number];
    if (state > maxState || lo > hi) throw new AtError(CmeError.INCORRECT_PARAMETERS);
  }
}

/**
 * `%XCOEX0[=<count>,<state>,<freqlo>,<freqhi>,…]`: COEX0 pin state per RF frequency range (1-4
 * ranges, MHz); without parameters it deletes the configuration. Read `%XCOEX0: <the same list>`,
 * nothing when none is written.
 */
export const xcoex0: AtCommand = {
  name: '%XCOEX0',
  ref: 'nRF91 AT ref %XCOEX0',
  exec: ({ modem }) => {
    modem.settings.coex0 = [];
  },
  set: ({ modem, params }) => {
    const values = ints(params);
    const count = values[0] ?? 0;
    if (count < 1 || count > 4) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    ranges(values, 1, count, 1);
    modem.settings.coex0 = values;
  },
  read: ({ modem }) => (modem.settings.coex0.length ? [`%XCOEX0: ${modem.settings.coex0.join(',')}`] : []),
};

/**
 * `%XMAGPIO[=<gpio_0>,<gpio_1>,<gpio_2>,<num_ranges>,<state>,<flo>,<fhi>,…]`: MAGPIO pin states per RF
 * frequency range (up to 12); without parameters it deletes the configuration. Read `%XMAGPIO: <list>`.
 */
export const xmagpio: AtCommand = {
  name: '%XMAGPIO',
  ref: 'nRF91 AT ref %XMAGPIO',
  exec: ({ modem }) => {
    modem.settings.magpio = [];
  },
  set: ({ modem, params }) => {
    const values = ints(params);
    if (values.length < 4 || values.slice(0, 3).some((g) => g > 1))
      throw new AtError(CmeError.INCORRECT_PARAMETERS);
    const count = values[3] as number;
    if (count > 12) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    ranges(values, 4, count, 7);
    modem.settings.magpio = values;
  },
  read: ({ modem }) => (modem.settings.magpio.length ? [`%XMAGPIO: ${modem.settings.magpio.join(',')}`] : []),
};
