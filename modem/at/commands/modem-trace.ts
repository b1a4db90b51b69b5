import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';

/**
 * `%XMODEMTRACE=<oper>[,<set_id>[,<bitmap_id>,<bitmap>]]`: 0 stops traces, 1 activates predefined set
 * 1-5 (coredump, generic, LwM2M, IP, LwM2M+generic), 2 writes a trace bitmap, 3 reads one
 * (`%XMODEMTRACE: "<bitmap>"`). The simulated modem keeps the selection; it produces no trace data.
 */
export const xmodemtrace: AtCommand = {
  name: '%XMODEMTRACE',
  ref: 'nRF91 AT ref %XMODEMTRACE',
  set: ({ modem, params }) => {
    const t = modem.settings.modemTrace;
    switch (params.oneOf(0, [0, 1, 2, 3])) {
      case 0:
        params.count(1);
        t.oper = 0;
        t.setId = undefined;
        return;
      case 1:
        params.count(2);
        t.oper = 1;
        t.setId = params.int(1, { min: 1, max: 5 });
        return;
      case 2: {
        params.count(3);
        const id = params.int(1, { min: 0, max: 255 });
        const bitmap = params.string(2);
        if (!/^([0-9A-Fa-f]{2})*$/.test(bitmap)) throw new AtError(CmeError.INCORRECT_PARAMETERS);
        t.oper = 2;
        t.bitmaps.set(id, bitmap.toUpperCase());
        return;
      }
      default: {
        params.count(2);
        const bitmap = t.bitmaps.get(params.int(1, { min: 0, max: 255 }));
        if (bitmap === undefined) throw new AtError(CmeError.NOT_FOUND);
        return [`%XMODEMTRACE: "${bitmap}"`];
      }
    }
  },
};
