import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { lteLcInitAndConnect } from '../../cloud-libs/lte-lc/index.js';
import { Modem } from '../../modem/modem.js';

async function settle(clock: VirtualClock, done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) if (!(await clock.runNext())) await Promise.resolve();
}

describe('lte_lc_init_and_connect over the AT interface', () => {
  it('subscribes with +CEREG=5, switches the radio on and resolves once registered, data path up', async () => {
    const clock = new VirtualClock();
    const modem = new Modem({ name: 'lte-lc', clock });
    const sent: string[] = [];
    modem.on('urc', (line) => sent.push(line));
    let connected = false;
    const connecting = lteLcInitAndConnect(modem).then(() => (connected = true));
    await settle(clock, () => connected);
    await connecting;
    expect(modem.dataPath.up).toBe(true);
    expect(sent[0]).toBe('+CEREG: 2');
    expect(sent.at(-1)).toMatch(/^\+CEREG: 1,/);
    expect((await modem.channel().send('AT+CEREG?')).lines[0]).toMatch(/^\+CEREG: 5,1,/);
    await modem.close();
  });

  it('resolves at once when the modem is already registered', async () => {
    const clock = new VirtualClock();
    const modem = new Modem({ name: 'lte-lc-again', clock });
    let first = false;
    const connecting = lteLcInitAndConnect(modem).then(() => (first = true));
    await settle(clock, () => first);
    await connecting;
    await lteLcInitAndConnect(modem);
    expect((await modem.channel().send('AT+CFUN?')).lines).toEqual(['+CFUN: 1']);
    await modem.close();
  });
});
