import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { slmModem } from '../helpers/slm-modem.js';
import { untilRegistered } from '../helpers/registered.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function broker(): Promise<{ port: number; aedes: Aedes; dropAll(): void }> {
  const aedes = await Aedes.createBroker();
  const connections = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    aedes.handle(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dropAll = (): void => {
    for (const c of connections) c.destroy();
  };
  cleanup.push(
    () =>
      new Promise((r) => {
        dropAll();
        server.close(() => aedes.close(() => r()));
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, aedes, dropAll };
}

async function online() {
  const m = slmModem();
  cleanup.push(() => m.modem.close());
  await m.cmd('AT+CFUN=1');
  await untilRegistered(m.modem);
  return m;
}

describe('SLM MQTT client against aedes', () => {
  it('configures, connects, subscribes, publishes at QoS 0/1/2 and receives its own messages', async () => {
    const b = await broker();
    const m = await online();
    expect(await m.cmd('AT#XMQTTCFG?')).toBe('#XMQTTCFG: "slm_default_client_id",60,0\r\nOK\r\n');
    expect(await m.cmd('AT#XMQTTCFG="MyMQTT-Client-ID",300,1')).toBe('OK\r\n');
    expect(await m.cmd('AT#XMQTTCON?')).toBe('#XMQTTCON: 0\r\nOK\r\n');
    const clientIds: string[] = [];
    b.aedes.on('client', (c) => clientIds.push(c.id));
    m.clear();
    expect(await m.cmd(`AT#XMQTTCON=1,"","","localhost",${b.port}`)).toBe('OK\r\n');
    await m.until('#XMQTTEVT: 0,0\r\n');
    expect(clientIds).toEqual(['MyMQTT-Client-ID']);
    expect(await m.cmd('AT#XMQTTCON?')).toBe(
      `#XMQTTCON: 1,"MyMQTT-Client-ID","localhost",${b.port}\r\nOK\r\n`,
    );

    m.clear();
    await m.cmd('AT#XMQTTSUB="nrf91/slm/mqtt/topic0",0');
    await m.until('#XMQTTEVT: 7,0\r\n');
    m.clear();
    await m.cmd('AT#XMQTTPUB="nrf91/slm/mqtt/topic0","Test message with QoS 0",0,0');
    await m.until('#XMQTTEVT: 2,0\r\n');
    expect(m.output()).toBe(
      'OK\r\n#XMQTTMSG: 21,23\r\nnrf91/slm/mqtt/topic0\r\nTest message with QoS 0\r\n#XMQTTEVT: 2,0\r\n',
    );

    m.clear();
    await m.cmd('AT#XMQTTPUB="nrf91/slm/mqtt/topic1","Test message with QoS 1",1,0');
    await m.until('#XMQTTEVT: 3,0\r\n');
    m.clear();
    await m.cmd('AT#XMQTTPUB="nrf91/slm/mqtt/topic2","Test message with QoS 2",2,0');
    await m.until('#XMQTTEVT: 6,0\r\n');
    expect(m.output()).toBe('OK\r\n#XMQTTEVT: 4,0\r\n#XMQTTEVT: 6,0\r\n');

    m.clear();
    await m.cmd('AT#XMQTTUNSUB="nrf91/slm/mqtt/topic0"');
    await m.until('#XMQTTEVT: 8,0\r\n');
    m.clear();
    await m.cmd('AT#XMQTTCON=0');
    await m.until('#XMQTTEVT: 1,0\r\n');
    expect(m.output()).toBe('OK\r\n#XMQTTEVT: 1,0\r\n');
    expect(await m.cmd('AT#XMQTTCON=0')).toBe('ERROR\r\n');
  });

  it('publishes a message typed in data mode and delivers broker messages as #XMQTTMSG', async () => {
    const b = await broker();
    const m = await online();
    await m.cmd('AT#XMQTTCFG="dm-client"');
    await m.cmd(`AT#XMQTTCON=1,"user","pass","127.0.0.1",${b.port}`);
    await m.until('#XMQTTEVT: 0,0');
    const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${b.port}`, {
      clientId: 'watcher',
      reconnectPeriod: 0,
    });
    cleanup.push(() => watcher.endAsync());
    await watcher.subscribeAsync('dm/#');
    const got = new Promise<string>((r) => watcher.once('message', (_t, p) => r(p.toString())));
    m.clear();
    expect(await m.cmd('AT#XMQTTPUB="dm/json"')).toBe('OK\r\n');
    m.raw('{"msg":"Test Json publish"}+++');
    await m.until('#XDATAMODE: 0\r\n');
    expect(await got).toBe('{"msg":"Test Json publish"}');

    await m.cmd('AT#XMQTTSUB="to/device",1');
    await m.until('#XMQTTEVT: 7,0');
    m.clear();
    await watcher.publishAsync('to/device', Buffer.from('\x00bin\xff', 'latin1'), { qos: 1 });
    await m.until('#XMQTTEVT: 2,0\r\n');
    expect(m.output()).toBe('#XMQTTMSG: 9,5\r\nto/device\r\n\x00bin\xff\r\n#XMQTTEVT: 2,0\r\n');
  });

  it('reports the broker dropping the connection as #XMQTTEVT: 1,<negative errno>', async () => {
    const b = await broker();
    const m = await online();
    await m.cmd(`AT#XMQTTCON=1,"","","127.0.0.1",${b.port}`);
    await m.until('#XMQTTEVT: 0,0');
    m.clear();
    b.dropAll();
    await m.until('#XMQTTEVT: 1,-128\r\n');
    expect(await m.cmd('AT#XMQTTCON?')).toBe('#XMQTTCON: 0\r\nOK\r\n');
  });

  it('answers ERROR for bad requests: not connected, no broker, password without user', async () => {
    const m = await online();
    expect(await m.cmd('AT#XMQTTPUB="t","m"')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XMQTTSUB="t",0')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XMQTTSUB="t",3')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XMQTTCON=1,"","pass","localhost",1883')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XMQTTCON=1,"","","nope.invalid",1883')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XMQTTCON=1')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XMQTTCON=?')).toBe(
      '#XMQTTCON: (0,1,2),<username>,<password>,<url>,<port>,<sec_tag>\r\nOK\r\n',
    );
  });

  it('shows its connection on the nrf91sim:mqtt:* channels like every MQTT client over the modem', async () => {
    const b = await broker();
    const m = await online();
    const seen: unknown[] = [];
    const onConnect = (message: unknown): void => {
      seen.push(message);
    };
    diagnostics.subscribe('nrf91sim:mqtt:connect', onConnect);
    try {
      await m.cmd('AT#XMQTTCFG="traced-slm",60,1');
      expect(await m.cmd(`AT#XMQTTCON=1,"","","localhost",${b.port}`)).toBe('OK\r\n');
      await m.until('#XMQTTEVT: 0,0\r\n');
      expect(seen).toEqual([
        expect.objectContaining({
          device: m.modem.name,
          clientId: 'traced-slm',
          host: 'localhost',
          port: b.port,
        }),
      ]);
    } finally {
      diagnostics.unsubscribe('nrf91sim:mqtt:connect', onConnect);
    }
  });
});
