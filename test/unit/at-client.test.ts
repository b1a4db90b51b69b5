import { describe, expect, it } from 'vitest';
import { systemClock, VirtualClock } from '../../core/clock.js';
import { AtClient, emitterLink } from '../../modem/at/client.js';
import { Modem } from '../../modem/modem.js';
import { createMemoryPair } from '../../modem/transport/memory.js';

function setup(): { modem: Modem; client: AtClient } {
  const modem = new Modem({ clock: new VirtualClock() });
  const { device, host } = createMemoryPair();
  modem.attach(device);
  return { modem, client: new AtClient(emitterLink(host), { clock: systemClock }) };
}

describe('AtClient', () => {
  it('collects information lines and the final result of each command in order', async () => {
    const { modem, client } = setup();
    const [a, b, c] = await Promise.all([
      client.send('AT+CGSN=1'),
      client.send('AT+NOPE'),
      client.send('AT+CGMM'),
    ]);
    expect(a).toEqual({ lines: [`+CGSN: "${modem.identity.imei}"`], final: 'OK', ok: true });
    expect(b).toEqual({ lines: [], final: 'ERROR', ok: false });
    expect(c?.lines).toEqual(['nRF9160-SICA']);
    await client.send('AT+CMEE=1');
    await expect(client.command('AT+CIMI')).rejects.toThrow('AT+CIMI: +CME ERROR: 10');
  });

  it('reports notifications apart from responses, also while a command is pending', async () => {
    const { modem, client } = setup();
    const urcs: string[] = [];
    client.on('urc', (l) => urcs.push(l));
    modem.notify('+CEREG: 2');
    const pending = client.send('AT+CGMR');
    modem.notify('+CSCON: 1');
    expect((await pending).lines).toEqual(['mfw_nrf9160_1.3.5']);
    await new Promise((r) => setImmediate(r));
    expect(urcs).toEqual(['+CEREG: 2', '+CSCON: 1']);
  });

  it('drops its own echo under ATE1', async () => {
    const { client } = setup();
    await client.send('ATE1');
    expect(await client.send('AT+CGMI')).toEqual({
      lines: ['Nordic Semiconductor ASA'],
      final: 'OK',
      ok: true,
    });
  });

  it('rejects a pending command when the link closes, and times out when nothing answers', async () => {
    const { device, host } = createMemoryPair();
    const client = new AtClient(emitterLink(host), { clock: systemClock });
    await expect(client.send('AT', 30)).rejects.toThrow(/no final result for AT within 30 ms/);
    const pending = client.send('AT');
    await host.close();
    await expect(pending).rejects.toThrow(/closed/);
    await device.close();
  });
});

describe('AtChannel and AtMonitor (device side)', () => {
  it('runs commands in call order with their own +CMEE setting', async () => {
    const modem = new Modem({ clock: new VirtualClock() });
    const at = modem.channel();
    const results = await Promise.all([at.send('AT+CMEE=1'), at.send('AT+CIMI'), at.send('AT+CGSN')]);
    expect(results.map((r) => r.finalLine)).toEqual(['OK', '+CME ERROR: 10', 'OK']);
    expect(results[2]?.lines).toEqual([modem.identity.imei]);
    expect(await at.command('AT+CGMR')).toEqual(['mfw_nrf9160_1.3.5']);
    await expect(at.command('AT+FOO')).rejects.toThrow('AT+FOO: ERROR');
  });

  it('delivers notifications that contain the filter, and none while paused or after removal', () => {
    const modem = new Modem({ clock: new VirtualClock() });
    const got: string[] = [];
    const all: string[] = [];
    const mon = modem.monitor('+CEREG', (l) => got.push(l));
    modem.monitor(undefined, (l) => all.push(l));
    modem.notify('+CEREG: 2');
    modem.notify('+CSCON: 1');
    mon.pause();
    modem.notify('+CEREG: 1');
    mon.resume();
    modem.notify('+CEREG: 5');
    mon.remove();
    modem.notify('+CEREG: 0');
    expect(got).toEqual(['+CEREG: 2', '+CEREG: 5']);
    expect(all).toHaveLength(5);
  });
});
