import type { PeriodicSearchConfig } from '../../network/config.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import type { Params } from '../parser.js';

const MAX_VALUE = 65_535;

/** `"0,<initial_sleep>,<final_sleep>,[<time_to_final_sleep>],<pattern_end_point>"` or `"1,<v1>[,…<v5>]"`. */
function pattern(text: string): string {
  const fields = text.split(',');
  const number = (f: string | undefined): boolean =>
    f !== undefined && /^\d{1,5}$/.test(f) && Number(f) <= MAX_VALUE;
  const ok =
    fields[0] === '0'
      ? fields.length === 5 &&
        number(fields[1]) &&
        number(fields[2]) &&
        (fields[3] === '' || number(fields[3])) &&
        number(fields[4])
      : fields[0] === '1' && fields.length >= 2 && fields.length <= 6 && fields.slice(1).every(number);
  if (!ok) throw new AtError(CmeError.INCORRECT_PARAMETERS);
  return text;
}

function write(params: Params): PeriodicSearchConfig {
  params.count(5, 8);
  const patterns: string[] = [];
  for (let i = 4; i < params.length; i++) patterns.push(pattern(params.string(i)));
  return {
    loop: params.oneOf(1, [0, 1] as const),
    returnToPattern: params.int(2, { min: 0, max: 4 }),
    bandOptimization: params.int(3, { min: 0, max: 20 }),
    patterns,
  };
}

/**
 * `%PERIODICSEARCHCONF=<mode>[,<loop>,<return_to_pattern>,<band_optimization>,"<pattern_1>"[,…4]]`:
 * 0 writes the network search patterns, 1 reads them
 * (`%PERIODICSEARCHCONF: <loop>,<return_to_pattern>,<band_optimization>,"<pattern_1>"…`, only `OK`
 * when none is written), 2 clears them, 3 starts a search now when the modem is looking for a network.
 */
export const periodicsearchconf: AtCommand = {
  name: '%PERIODICSEARCHCONF',
  ref: 'nRF91 AT ref %PERIODICSEARCHCONF; NCS lib/lte_link_control/modules/periodicsearchconf.c',
  set: ({ modem, params }) => {
    const config = modem.network.config;
    switch (params.oneOf(0, [0, 1, 2, 3])) {
      case 0:
        config.periodicSearch = write(params);
        return;
      case 1: {
        params.count(1);
        const c = config.periodicSearch;
        if (!c) return;
        const patterns = c.patterns.map((p) => `"${p}"`).join(',');
        return [`%PERIODICSEARCHCONF: ${c.loop},${c.returnToPattern},${c.bandOptimization},${patterns}`];
      }
      case 2:
        params.count(1);
        config.periodicSearch = undefined;
        return;
      default:
        params.count(1);
        modem.network.searchNow();
    }
  },
};
