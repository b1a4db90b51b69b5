import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { slmModem } from '../helpers/slm-modem.js';
import { tcpEchoServer, udpEchoServer } from '../integration/socket-servers.js';
import { untilRegistered } from '../helpers/registered.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function online(options: Parameters<typeof slmModem>[0] = {}) {
  const m = slmModem(options);
  cleanup.push(() => m.modem.close());
  expect(await m.cmd('AT+CFUN=1')).toBe('OK\r\n');
  await untilRegistered(m.modem);
  return m;
}

async function echoPort(): Promise<number> {
  const s = await tcpEchoServer();
  cleanup.push(() => s.close());
  return s.port;
}

describe('#XSOCKET, #XSSOCKET, #XSOCKETSELECT', () => {
  it('opens, lists, selects and closes sockets with the SLM responses', async () => {
    const m = await online();
    expect(await m.cmd('AT#XSOCKET=?')).toBe('#XSOCKET: (0,1,2),(1,2,3),(0,1),<cid>\r\nOK\r\n');
    expect(await m.cmd('AT#XSOCKET?')).toBe('OK\r\n');
    expect(await m.cmd('AT#XSOCKET=1,1,0')).toBe('#XSOCKET: 0,1,6\r\nOK\r\n');
    expect(await m.cmd('AT#XSOCKET=1,2,0')).toBe('#XSOCKET: 1,2,17\r\nOK\r\n');
    expect(await m.cmd('AT#XSOCKET?')).toBe('#XSOCKET: 1,1,0,2,0\r\nOK\r\n');
    expect(await m.cmd('AT#XSOCKETSELECT?')).toBe(
      '#XSOCKETSELECT: 0,1,0,1,-1,1,0\r\n#XSOCKETSELECT: 1,1,0,2,-1,2,0\r\n#XSOCKETSELECT: 1\r\nOK\r\n',
    );
    expect(await m.cmd('AT#XSOCKETSELECT=0')).toBe('#XSOCKETSELECT: 0\r\nOK\r\n');
    expect(await m.cmd('AT#XSOCKETSELECT=5')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XSOCKET=0')).toBe('#XSOCKET: 0,"closed"\r\nOK\r\n');
    // The highest-ranked remaining socket becomes active.
    expect(await m.cmd('AT#XSOCKET?')).toBe('#XSOCKET: 1,1,0,2,0\r\nOK\r\n');
    expect(await m.cmd('AT#XSOCKET=0')).toBe('#XSOCKET: 0,"closed"\r\nOK\r\n');
    expect(await m.cmd('AT#XSOCKET=0')).toBe('OK\r\n');
  });

  it('answers ERROR for malformed or impossible requests and keeps working', async () => {
    const m = await online();
    for (const bad of [
      'AT#XSOCKET=1,3,0',
      'AT#XSOCKET=1,1',
      'AT#XSOCKET=3,1,0',
      'AT#XSOCKET=1,1,0,11',
      'AT#XSOCKET="x"',
      'AT#XSSOCKET=1,2,0,42',
      'AT#XSSOCKET=1,1,0',
      'AT#XSOCKETOPT=1,20,5',
      'AT#XCONNECT="localhost",1',
    ]) {
      expect(await m.cmd(bad), bad).toBe('ERROR\r\n');
    }
    for (let i = 0; i < 8; i++) expect(await m.cmd('AT#XSOCKET=1,1,0')).toBe(`#XSOCKET: ${i},1,6\r\nOK\r\n`);
    expect(await m.cmd('AT#XSOCKET=1,1,0')).toBe('ERROR\r\n');
    expect(await m.cmd('AT')).toBe('OK\r\n');
  });

  it('opens a TLS socket on a sec tag and sets and reads its options', async () => {
    const m = await online();
    expect(await m.cmd('AT#XSSOCKET=?')).toBe(
      '#XSSOCKET: (0,1,2),(1,2),(0,1),<sec_tag>,<peer_verify>,<cid>\r\nOK\r\n',
    );
    expect(await m.cmd('AT#XSSOCKET=1,1,0,16842753,2')).toBe('#XSSOCKET: 0,1,258\r\nOK\r\n');
    expect(await m.cmd('AT#XSSOCKET?')).toBe('#XSSOCKET: 0,1,0,1,16842753,0\r\nOK\r\n');
    expect(await m.cmd('AT#XSSOCKETOPT=1,2,"broker.example.com"')).toBe('OK\r\n');
    expect(await m.cmd('AT#XSSOCKETOPT=0,2')).toBe('#XSSOCKETOPT: broker.example.com\r\nOK\r\n');
    expect(await m.cmd('AT#XSSOCKETOPT=1,5,1')).toBe('OK\r\n');
    expect(await m.cmd('AT#XSSOCKETOPT=0,5')).toBe('#XSSOCKETOPT: 1\r\nOK\r\n');
    expect(await m.cmd('AT#XSSOCKETOPT=1,12,1')).toBe('OK\r\n');
    expect(await m.cmd('AT#XSSOCKETOPT=1,14,1')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XSSOCKETOPT=0,4')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XSOCKETOPT=1,20,30')).toBe('OK\r\n');
    expect(await m.cmd('AT#XSOCKETOPT=0,20')).toBe('#XSOCKETOPT: 30\r\nOK\r\n');
    expect(await m.cmd('AT#XSOCKETOPT=0,2')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XSOCKETOPT=?')).toBe('#XSOCKETOPT: (0,1),<name>,<value>\r\nOK\r\n');
  });
});

describe('#XCONNECT, #XSEND, #XRECV, #XPOLL on a real TCP echo server', () => {
  it('connects, sends, polls and receives', async () => {
    const m = await online();
    const port = await echoPort();
    await m.cmd('AT#XSOCKET=1,1,0');
    expect(await m.cmd('AT#XPOLL=0')).toBe('OK\r\n');
    expect(await m.cmd(`AT#XCONNECT="127.0.0.1",${port}`)).toBe('#XCONNECT: 1\r\nOK\r\n');
    expect(await m.cmd('AT#XSEND="Test TCP"')).toBe('#XSEND: 8\r\nOK\r\n');
    expect(await m.cmd('AT#XPOLL=-1')).toBe('#XPOLL: 0,"0x0001"\r\nOK\r\n');
    expect(await m.cmd('AT#XRECV=10')).toBe('#XRECV: 8\r\nTest TCP\r\nOK\r\n');
  });

  it('binds with #XBIND and reports the peer closing: #XPOLL shows POLLIN|POLLHUP, #XRECV answers only OK', async () => {
    const m = await online();
    const server = net.createServer((c) => c.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(() => r())));
    await m.cmd('AT#XSOCKET=1,1,0');
    expect(await m.cmd('AT#XBIND=5000')).toBe('OK\r\n');
    expect(await m.cmd('AT#XBIND=70000')).toBe('ERROR\r\n');
    const port = (server.address() as net.AddressInfo).port;
    expect(await m.cmd(`AT#XCONNECT="127.0.0.1",${port}`)).toBe('#XCONNECT: 1\r\nOK\r\n');
    expect(await m.cmd('AT#XPOLL=-1,0')).toBe('#XPOLL: 0,"0x0011"\r\nOK\r\n');
    expect(await m.cmd('AT#XRECV=1')).toBe('OK\r\n');
    expect(await m.cmd('AT#XPOLL=0,5')).toBe('ERROR\r\n');
  });

  it('times #XRECV out on the modem clock with ERROR', async () => {
    const m = await online();
    const port = await echoPort();
    await m.cmd('AT#XSOCKET=1,1,0');
    await m.cmd(`AT#XCONNECT="localhost",${port}`);
    const start = m.output().length;
    m.raw('AT#XRECV=2\r\n');
    await m.clock.advance(1999);
    expect(m.output().slice(start)).toBe('');
    await m.clock.advance(1);
    await m.until('ERROR\r\n', 2000, start);
    expect(m.output().slice(start)).toBe('ERROR\r\n');
  });

  it('fails #XCONNECT without network and resolves names with the socket family', async () => {
    const m = slmModem();
    cleanup.push(() => m.modem.close());
    await m.cmd('AT#XSOCKET=1,1,0');
    expect(await m.cmd('AT#XCONNECT="127.0.0.1",80')).toBe('ERROR\r\n');
    expect(await m.cmd('AT#XGETADDRINFO="localhost"')).toBe('#XGETADDRINFO: "EAI_AGAIN"\r\nERROR\r\n');
  });
});

describe('#XGETADDRINFO', () => {
  it('answers from the DNS table, IPv6 first unless a family is given, EAI_NONAME for unknown names', async () => {
    const m = await online({ profile: { dns: { table: { 'fw.example.com': '192.0.2.7' } } } });
    expect(await m.cmd('AT#XGETADDRINFO="fw.example.com"')).toBe('#XGETADDRINFO: "192.0.2.7"\r\nOK\r\n');
    expect(await m.cmd('AT#XGETADDRINFO="localhost"')).toBe('#XGETADDRINFO: "::1"\r\nOK\r\n');
    expect(await m.cmd('AT#XGETADDRINFO="localhost",1')).toBe('#XGETADDRINFO: "127.0.0.1"\r\nOK\r\n');
    expect(await m.cmd('AT#XGETADDRINFO="nope.invalid"')).toBe('#XGETADDRINFO: "EAI_NONAME"\r\nERROR\r\n');
    expect(await m.cmd('AT#XGETADDRINFO=localhost')).toBe('ERROR\r\n');
  });
});

describe('#XSENDTO and #XRECVFROM', () => {
  it('sends a datagram and receives the echo with its sender', async () => {
    const m = await online();
    const udp = await udpEchoServer();
    cleanup.push(() => udp.close());
    expect(await m.cmd('AT#XSOCKET=1,2,0')).toBe('#XSOCKET: 0,2,17\r\nOK\r\n');
    expect(await m.cmd(`AT#XSENDTO="127.0.0.1",${udp.port},"Test UDP"`)).toBe('#XSENDTO: 8\r\nOK\r\n');
    expect(await m.cmd('AT#XRECVFROM=10')).toBe(
      `#XRECVFROM: 8,"127.0.0.1",${udp.port}\r\nTest UDP\r\nOK\r\n`,
    );
  });
});
