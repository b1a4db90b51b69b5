import { systemClock } from '../../core/clock.js';
import { describe, expect, it } from 'vitest';
import { Device } from '../../firmware/device.js';
import { buildAppImage } from '../../firmware/image/app-image.js';

async function at(device: Device, line: string): Promise<string> {
  const r = await device.modem.channel().send(line);
  return [...r.lines, r.finalLine].join('\r\n');
}

describe('the Serial LTE Modem is an application, not part of the modem', () => {
  it('answers #X commands on the factory image, and a device running aws_iot answers ERROR', async () => {
    const device = await Device.boot({ clock: systemClock, name: 'slm-or-not' });
    try {
      expect(device.manifest?.app).toBe('serial_lte_modem');
      expect(await at(device, 'AT#XSOCKET=1,1,0')).toBe('#XSOCKET: 0,1,6\r\nOK');
      expect(await at(device, 'AT#XSOCKET?')).toBe('#XSOCKET: 0,1,0,1,0\r\nOK');

      await device.control.program(
        buildAppImage({
          app: 'aws_iot',
          version: '1.0.0',
          config: { endpoint: 'nowhere.example', secTag: 1 },
        }),
      );
      expect(device.manifest?.app).toBe('aws_iot');
      expect(await at(device, 'AT#XSOCKET=1,1,0')).toBe('ERROR');
      expect(await at(device, 'AT#XMQTTCFG?')).toBe('ERROR');
      expect(await at(device, 'AT+CGMI')).toBe('Nordic Semiconductor ASA\r\nOK');

      // Back on the SLM: its state starts over (no socket from before the resets).
      await device.control.program(buildAppImage({ app: 'serial_lte_modem', version: '1.0.1' }));
      expect(await at(device, 'AT#XSOCKET?')).toBe('OK');
      expect(await at(device, 'AT#XSOCKET=1,1,0')).toBe('#XSOCKET: 0,1,6\r\nOK');
    } finally {
      await device.close();
    }
  });

  it('stops answering #X when it stops, without a reset of the modem in between', async () => {
    const device = await Device.boot({ clock: systemClock, name: 'slm-stop' });
    try {
      const modem = device.modem;
      expect(await at(device, 'AT#XSOCKET=?')).toBe('#XSOCKET: (0,1,2),(1,2,3),(0,1),<cid>\r\nOK');
      await device.powerOff();
      expect(modem.commands.get('#XSOCKET')).toBeUndefined();
      expect(modem.commands.get('+CGMI')).toBeDefined();
    } finally {
      await device.close();
    }
  });

  it('answers every SLM failure with a plain ERROR, whatever +CMEE says', async () => {
    const device = await Device.boot({ clock: systemClock, name: 'slm-cmee' });
    try {
      const channel = device.modem.channel();
      await channel.send('AT+CMEE=1');
      const r = await channel.send('AT#XSOCKET=1,1,0,11');
      expect(r.finalLine).toBe('ERROR');
      expect((await channel.send('AT+CFUN=7')).finalLine).toBe('+CME ERROR: 50');
    } finally {
      await device.close();
    }
  });
});
