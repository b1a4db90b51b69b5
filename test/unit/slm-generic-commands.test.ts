import { afterEach, describe, expect, it } from 'vitest';
import { slmModem } from '../helpers/slm-modem.js';
import { untilRegistered } from '../helpers/registered.js';
import { udpEchoServer } from '../integration/socket-servers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

function slm(options: Parameters<typeof slmModem>[0] = {}) {
  const m = slmModem(options);
  cleanup.push(() => m.modem.close());
  return m;
}

async function online(options: Parameters<typeof slmModem>[0] = {}) {
  const m = slm(options);
  expect(await m.cmd('AT+CFUN=1')).toBe('OK\r\n');
  await untilRegistered(m.modem);
  return m;
}

/** Lets the clock run in steps until the UART shows `needle` after `from`. */
async function runUntil(
  m: ReturnType<typeof slm>,
  needle: string,
  from: number,
  stepMs = 10,
): Promise<string> {
  for (let i = 0; i < 2000 && !m.output().slice(from).includes(needle); i++) await m.clock.advance(stepMs);
  return m.until(needle, 2000, from).then((out) => out.slice(from));
}

describe('#XSLMVER, #XCLAC, #XUUID', () => {
  it('reports the NCS and modem library versions, with the customer version when the image has one', async () => {
    expect(await slm().cmd('AT#XSLMVER')).toBe('#XSLMVER: "2.5.0","2.5.0"\r\nOK\r\n');
    const custom = slm({ slm: { customerVersion: 'acme-7' } });
    expect(await custom.cmd('AT#XSLMVER')).toBe('#XSLMVER: "2.5.0","2.5.0","acme-7"\r\nOK\r\n');
    expect(await custom.cmd('AT#XSLMVER?')).toBe('ERROR\r\n');
    expect(await custom.cmd('AT#XSLMVER=?')).toBe('ERROR\r\n');
  });

  it('lists the SLM commands in the order of its table', async () => {
    expect(await slm().cmd('AT#XCLAC')).toBe(
      [
        'AT#XSLMVER',
        'AT#XRESET',
        'AT#XUUID',
        'AT#XCLAC',
        'AT#XSOCKET',
        'AT#XSSOCKET',
        'AT#XSOCKETSELECT',
        'AT#XSOCKETOPT',
        'AT#XSSOCKETOPT',
        'AT#XBIND',
        'AT#XCONNECT',
        'AT#XSEND',
        'AT#XRECV',
        'AT#XSENDTO',
        'AT#XRECVFROM',
        'AT#XPOLL',
        'AT#XGETADDRINFO',
        'AT#XPING',
        'AT#XMQTTCFG',
        'AT#XMQTTCON',
        'AT#XMQTTPUB',
        'AT#XMQTTSUB',
        'AT#XMQTTUNSUB',
        'OK',
        '',
      ].join('\r\n'),
    );
    expect(await slm().cmd('AT#XCLAC?')).toBe('ERROR\r\n');
  });

  it('reads the device UUID the modem attests', async () => {
    const m = slm({ name: 'uuid-device' });
    expect(await m.cmd('AT#XUUID')).toBe(`#XUUID: ${m.modem.identity.deviceUuid}\r\nOK\r\n`);
    expect(m.modem.identity.deviceUuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(await m.cmd('AT#XUUID=?')).toBe('ERROR\r\n');
  });
});

describe('#XRESET', () => {
  it('answers OK, then 50 ms later closes its sockets, turns the modem off and resets the device', async () => {
    let reboots = 0;
    const m = await online({ reboot: () => reboots++ });
    const udp = await udpEchoServer();
    cleanup.push(() => udp.close());
    expect(await m.cmd('AT#XSOCKET=1,2,0')).toBe('#XSOCKET: 0,2,17\r\nOK\r\n');
    expect(await m.cmd('AT#XRESET')).toBe('OK\r\n');
    await m.clock.advance(49);
    expect(reboots).toBe(0);
    expect(m.modem.sockets.isOpen(0)).toBe(true);
    await m.clock.advance(1);
    for (let i = 0; i < 100 && reboots === 0; i++) await new Promise((r) => setImmediate(r));
    expect(reboots).toBe(1);
    expect(m.modem.sockets.isOpen(0)).toBe(false);
    expect((await m.modem.channel().send('AT+CFUN?')).lines).toEqual(['+CFUN: 0']);
    expect(m.slm.running).toBe(true);
  });
});

describe('#XPING', () => {
  it('pings over the link: OK, one line per reply and the average', async () => {
    const m = await online({
      profile: {
        link: {
          name: 'fixed',
          latencyMs: 40,
          jitterMs: 0,
          uplinkBps: Infinity,
          downlinkBps: Infinity,
          loss: 0,
          natTcpIdleMs: 0,
          natUdpIdleMs: 0,
        },
      },
    });
    const from = m.output().length;
    expect(await m.cmd('AT#XPING="127.0.0.1",45,5000,3,1000')).toBe('OK\r\n');
    expect(await runUntil(m, 'average', from)).toBe(
      'OK\r\n#XPING: 0.080 seconds\r\n#XPING: 0.080 seconds\r\n#XPING: 0.080 seconds\r\n#XPING: average 0.080 seconds\r\n',
    );
  });

  it('prints nothing for a reply that does not come within the timeout, and no average for one reply', async () => {
    const m = await online();
    let from = m.output().length;
    // On the ideal link the reply is back before anything else happens: at least 1 ms, as the SLM counts.
    m.raw('AT#XPING="127.0.0.1",45,5000\r\n');
    expect(await runUntil(m, 'seconds\r\n', from)).toBe('OK\r\n#XPING: 0.001 seconds\r\n');
    m.modem.control.partitionLink();
    from = m.output().length;
    expect(await m.cmd('AT#XPING="127.0.0.1",45,100,2,100')).toBe('OK\r\n');
    await m.clock.advance(1000);
    expect(m.output().slice(from)).toBe('OK\r\n');
  });

  it('answers ERROR for a name that does not resolve, no network, or numbers out of range', async () => {
    const offline = slm();
    expect(await offline.cmd('AT#XPING="127.0.0.1",45,5000')).toBe('ERROR\r\n');
    const m = await online();
    expect(await m.cmd('AT#XPING="nope.invalid",45,5000')).toBe('"EAI_NONAME"\r\nERROR\r\n');
    expect(await m.cmd('AT#XPING="127.0.0.1",65536,5000')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XPING="127.0.0.1",45,-1')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XPING="127.0.0.1",45')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XPING?')).toBe('ERROR\r\n');
  });
});

describe('#XPOLL timeouts', () => {
  it('takes any int32: a negative timeout waits for data, one beyond int32 is ERROR at once', async () => {
    const m = await online();
    const udp = await udpEchoServer();
    cleanup.push(() => udp.close());
    expect(await m.cmd('AT#XPOLL=2147483648')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XPOLL=-2147483649')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XSOCKET=1,2,0')).toBe('#XSOCKET: 0,2,17\r\nOK\r\n');
    for (const timeout of ['-5', '2147483647']) {
      const from = m.output().length;
      m.raw(`AT#XPOLL=${timeout}\r\n`);
      await m.clock.advance(24 * 3600_000);
      expect(m.output().slice(from), timeout).toBe('');
      // Data arrives: the poll answers.
      await m.modem.channel().command(`AT#XSENDTO="127.0.0.1",${udp.port},"ping"`);
      await m.until('OK\r\n', 2000, from);
      expect(m.output().slice(from)).toBe('#XPOLL: 0,"0x0001"\r\nOK\r\n');
      expect(await m.cmd('AT#XRECVFROM=1')).toMatch(/^#XRECVFROM: 4,"127\.0\.0\.1",\d+\r\nping\r\nOK\r\n$/);
    }
  });
});
