import { SUPPORTED_BANDS } from '../../network/config.js';
import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import { requireLteInactive } from './cmng.js';

/** Masks are bit strings, LSB = band 1, at most 88 bits (nRF91 AT ref %XBANDLOCK). */
const MASK_BITS = 88;

function mask(text: string): string {
  if (!/^[01]{1,88}$/.test(text)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
  return text;
}

function bandsIn(m: string): number[] {
  return SUPPORTED_BANDS.filter((b) => m[m.length - b] === '1');
}

const full = (m: string): string => (m === '' ? '' : m.padStart(MASK_BITS, '0'));

/**
 * `%XBANDLOCK=<operation>[,"<band_mask>"]`: 0 removes both locks, 1 sets the permanent mask, 2 the
 * runtime mask; a mask that leaves no supported band, or none in common with the other mask, is
 * refused. Only before `+CFUN=1` (CME 518). Read `%XBANDLOCK: "<permanent>","<runtime>"` as 88-bit
 * strings, empty when not set. The modem camps only on a cell whose band both masks allow.
 */
export const xbandlock: AtCommand = {
  name: '%XBANDLOCK',
  ref: 'nRF91 AT ref %XBANDLOCK',
  set: ({ modem, params }) => {
    params.count(1, 2);
    const op = params.oneOf(0, [0, 1, 2]);
    const lock = modem.network.config.bandLock;
    requireLteInactive(modem);
    if (op === 0) {
      if (params.has(1)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
      modem.network.config.bandLock = { permanent: '', runtime: '' };
      return;
    }
    const m = mask(params.string(1));
    const other = op === 1 ? lock.runtime : lock.permanent;
    const left = bandsIn(m).filter((b) => other === '' || bandsIn(other).includes(b));
    if (left.length === 0) throw new AtError(CmeError.INCORRECT_PARAMETERS);
    modem.network.config.bandLock = op === 1 ? { ...lock, permanent: m } : { ...lock, runtime: m };
  },
  read: ({ modem }) => {
    const lock = modem.network.config.bandLock;
    return [`%XBANDLOCK: "${full(lock.permanent)}","${full(lock.runtime)}"`];
  },
};

/**
 * `%XCBAND`: the current band, `%XCBAND: <band>` (0 when not camped on a cell); test lists the
 * supported bands the band locks leave.
 */
export const xcband: AtCommand = {
  name: '%XCBAND',
  ref: 'nRF91 AT ref %XCBAND',
  exec: ({ modem }) => [`%XCBAND: ${modem.network.camped ? modem.network.cell.band : 0}`],
  test: ({ modem }) => [`%XCBAND: (${modem.network.config.allowedBands().join(',')})`],
};
