import { describe, expect, it } from 'vitest';
import { parseDnsEntries } from '../../cli/commands/device-boot.js';

describe('nrf91sim device boot --dns', () => {
  it('reads NAME=IP[,IP...] entries: one A record per cluster node, in order', () => {
    expect(
      parseDnsEntries(['abc-ats.iot.eu-west-1.amazonaws.com=127.0.0.2, 127.0.0.3', 'fw.example.com=::1']),
    ).toEqual({
      'abc-ats.iot.eu-west-1.amazonaws.com': ['127.0.0.2', '127.0.0.3'],
      'fw.example.com': ['::1'],
    });
  });

  it('refuses entries without a name or with non-numeric addresses', () => {
    for (const bad of ['=127.0.0.2', 'host', 'host=', 'host=example.com', 'host=127.0.0.2,nope']) {
      expect(() => parseDnsEntries([bad]), bad).toThrow(
        expect.objectContaining({ code: 'NRF91SIM_INVALID_ARGUMENT' }),
      );
    }
  });
});
