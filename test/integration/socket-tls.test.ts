import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import {
  AF_INET,
  Errno,
  IPPROTO_TLS_1_2,
  MSG_DONTWAIT,
  MSG_PEEK,
  POLLERR,
  POLLIN,
  SO_ERROR,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_TLS,
  SocketError,
  TLS_CIPHERSUITE_USED,
  TLS_DTLS_HANDSHAKE_STATUS,
  TLS_HOSTNAME,
  TLS_PEER_VERIFY,
  TLS_SEC_TAG_LIST,
  TLS_SESSION_CACHE,
  type PollFd,
} from '../../modem/sockets/index.js';
import { socketPki, type SocketPki } from './socket-pki.js';
import {
  collectingServer,
  firstBadBlock,
  sendNumberedBlocks,
  tlsEchoServer,
  type TlsEchoServer,
} from './socket-servers.js';
import { untilRegistered } from '../helpers/registered.js';

const TAG = 42;
let pki: SocketPki;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  pki = await socketPki();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function server(options?: Parameters<typeof tlsEchoServer>[1]): Promise<TlsEchoServer> {
  const s = await tlsEchoServer(pki, options);
  cleanup.push(() => s.close());
  return s;
}

/** A modem with the test CA, client certificate and key at sec tag 42, registered (CFUN=1). */
async function onlineModem(items: { ca?: string; cert?: boolean } = {}): Promise<Modem> {
  const modem = new Modem({ name: 'tls-test', clock: new VirtualClock() });
  cleanup.push(() => modem.close());
  await modem.credentials.put({ secTag: TAG, type: 0, content: items.ca ?? pki.caPem });
  if (items.cert !== false) {
    await modem.credentials.put({ secTag: TAG, type: 1, content: pki.clientCertPem });
    await modem.credentials.put({ secTag: TAG, type: 2, content: pki.clientKeyPem });
  }
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return modem;
}

function tlsSocket(modem: Modem, hostname: string | null = 'localhost', tags = [TAG]): number {
  const s = modem.sockets;
  const fd = s.socket(AF_INET, SOCK_STREAM, IPPROTO_TLS_1_2);
  s.setsockopt(fd, SOL_TLS, TLS_SEC_TAG_LIST, tags);
  s.setsockopt(fd, SOL_TLS, TLS_HOSTNAME, hostname);
  return fd;
}

async function errnoOfCall(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SocketError) return err.errno;
    throw err;
  }
  throw new Error('the call succeeded');
}

async function readExactly(modem: Modem, fd: number, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const d = await modem.sockets.recv(fd, n - got);
    if (d.length === 0) break;
    parts.push(d);
    got += d.length;
  }
  return Buffer.concat(parts);
}

describe('TLS sockets in the modem against a real TLS server on loopback', () => {
  it('connects with the CA, certificate and key of its sec tag, sends SNI and echoes bytes', async () => {
    const srv = await server();
    const modem = await onlineModem();
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: srv.port });
    expect(await modem.sockets.send(fd, Buffer.from('hello modem'))).toBe(11);
    expect((await readExactly(modem, fd, 11)).toString()).toBe('hello modem');
    expect(srv.handshakes).toEqual([{ resumed: false, clientCn: 'test-device-42', servername: 'localhost' }]);
    // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, one of the modem's suites.
    expect(modem.sockets.getsockopt(fd, SOL_TLS, TLS_CIPHERSUITE_USED)).toBe(0xc02b);
    modem.sockets.close(fd);
  });

  it('refuses a server whose certificate its sec tag CA did not sign: ECONNREFUSED', async () => {
    const srv = await server();
    const modem = await onlineModem({ ca: pki.otherCaPem });
    const fd = tlsSocket(modem);
    const addr = { family: AF_INET, address: '127.0.0.1', port: srv.port } as const;
    expect(await errnoOfCall(modem.sockets.connect(fd, addr))).toBe(Errno.ECONNREFUSED);
    // The failed socket keeps reporting the error until it is closed.
    expect(await errnoOfCall(modem.sockets.send(fd, Buffer.from('x')))).toBe(Errno.ECONNREFUSED);
    expect(modem.sockets.getsockopt(fd, SOL_SOCKET, SO_ERROR)).toBe(Errno.ECONNREFUSED);
    expect(modem.sockets.getsockopt(fd, SOL_SOCKET, SO_ERROR)).toBe(0);
  });

  it('fails the handshake without a client certificate when the server requires one', async () => {
    const srv = await server();
    const modem = await onlineModem({ cert: false });
    const fd = tlsSocket(modem);
    const addr = { family: AF_INET, address: '127.0.0.1', port: srv.port } as const;
    expect(await errnoOfCall(modem.sockets.connect(fd, addr))).toBe(Errno.ECONNREFUSED);
    expect(srv.handshakes).toEqual([]);
  });

  it('checks TLS_HOSTNAME against the certificate; peer verify "optional" lets it through', async () => {
    const srv = await server();
    const modem = await onlineModem();
    const addr = { family: AF_INET, address: '127.0.0.1', port: srv.port } as const;
    const strict = tlsSocket(modem, 'broker.example.com');
    expect(await errnoOfCall(modem.sockets.connect(strict, addr))).toBe(Errno.ECONNREFUSED);
    const optional = tlsSocket(modem, 'broker.example.com');
    modem.sockets.setsockopt(optional, SOL_TLS, TLS_PEER_VERIFY, 1);
    await modem.sockets.connect(optional, addr);
    expect(srv.handshakes.at(-1)?.servername).toBe('broker.example.com');
  });

  it('resumes the cached session on reconnect: one cheap handshake, reported by the modem', async () => {
    const srv = await server();
    const modem = await onlineModem();
    const addr = { family: AF_INET, address: '127.0.0.1', port: srv.port } as const;
    for (let i = 0; i < 2; i++) {
      const fd = tlsSocket(modem);
      modem.sockets.setsockopt(fd, SOL_TLS, TLS_SESSION_CACHE, 1);
      await modem.sockets.connect(fd, addr);
      await modem.sockets.send(fd, Buffer.from('ping'));
      expect((await readExactly(modem, fd, 4)).toString()).toBe('ping');
      expect(modem.sockets.getsockopt(fd, SOL_TLS, TLS_DTLS_HANDSHAKE_STATUS)).toBe(i);
      modem.sockets.close(fd);
    }
    expect(srv.handshakes.map((h) => h.resumed)).toEqual([false, true]);
    // Without the cache option the next connection is a full handshake again.
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, addr);
    expect(srv.handshakes.at(-1)?.resumed).toBe(false);
  });

  it('breaks with EMSGSIZE on an incoming record larger than the modem TLS buffer', async () => {
    const srv = await server();
    const modem = await onlineModem();
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: srv.port });
    // 2303 bytes in one record pass; 2304 in one record do not.
    await modem.sockets.send(fd, Buffer.alloc(2303, 0x61));
    expect((await readExactly(modem, fd, 2303)).length).toBe(2303);
    srv.broadcast(Buffer.alloc(2304, 0x62));
    expect(await errnoOfCall(modem.sockets.recv(fd, 4096))).toBe(Errno.EMSGSIZE);
  });

  it('takes large transfers in records of at most 2 KB, as download_client asks for', async () => {
    const srv = await server({ maxSendFragment: 2048 });
    const modem = await onlineModem();
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: srv.port });
    srv.broadcast(Buffer.alloc(20_000, 0x63));
    expect((await readExactly(modem, fd, 20_000)).equals(Buffer.alloc(20_000, 0x63))).toBe(true);
  });

  it('recvInto copies several arrived records into one reused buffer in one call', async () => {
    const srv = await server({ maxSendFragment: 2048 });
    const modem = await onlineModem();
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: srv.port });
    const sent = Buffer.alloc(20_000);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7) % 251;
    srv.broadcast(sent);
    // Peeking reports how much has arrived without taking it: wait for all ten records.
    const buf = Buffer.alloc(32 * 1024);
    while ((await modem.sockets.recvInto(fd, buf, MSG_PEEK)) < sent.length) {
      await new Promise((r) => setTimeout(r, 5));
    }
    buf.fill(0);
    expect(await modem.sockets.recvInto(fd, buf)).toBe(sent.length);
    expect(buf.subarray(0, sent.length).equals(sent)).toBe(true);
    expect(await errnoOfCall(modem.sockets.recvInto(fd, buf, MSG_DONTWAIT))).toBe(Errno.EAGAIN);
  });

  it('closes gracefully: a request sent just before close() arrives whole, then close_notify', async () => {
    const srv = await collectingServer(pki);
    cleanup.push(() => srv.close());
    const modem = await onlineModem();
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: srv.port });
    const request = Buffer.from('POST /telemetry HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello');
    await modem.sockets.send(fd, request);
    modem.sockets.close(fd);
    const got = await srv.connection;
    expect(got.data.toString()).toBe(request.toString());
    expect(got.orderly).toBe(true);
  });

  it('uploads every byte exactly once from a reused buffer while the server reads slowly', async () => {
    const srv = await collectingServer(pki, { pauseMs: 100 });
    cleanup.push(() => srv.close());
    const modem = await onlineModem();
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: srv.port });
    const size = 1500;
    const count = 4000;
    await sendNumberedBlocks((d) => modem.sockets.send(fd, d), size, count);
    modem.sockets.close(fd);
    const { data } = await srv.connection;
    expect(data.length).toBe(size * count);
    expect(firstBadBlock(data, size, count)).toBe(-1);
  });

  it('opens at most eight sockets: the ninth fails with EMFILE', async () => {
    const modem = await onlineModem();
    const fds = Array.from({ length: 8 }, () => modem.sockets.socket(AF_INET, SOCK_STREAM, IPPROTO_TLS_1_2));
    expect(fds).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(() => modem.sockets.socket(AF_INET, SOCK_STREAM, 0)).toThrow(
      expect.objectContaining({ errno: Errno.EMFILE }),
    );
    modem.sockets.close(3);
    expect(modem.sockets.socket(AF_INET, SOCK_STREAM, 0)).toBe(3);
  });

  it('says ENETDOWN without a network (CFUN=0), and connects once registered', async () => {
    const srv = await server();
    const modem = new Modem({ name: 'offline', clock: new VirtualClock() });
    cleanup.push(() => modem.close());
    await modem.credentials.put({ secTag: TAG, type: 0, content: pki.caPem });
    await modem.credentials.put({ secTag: TAG, type: 1, content: pki.clientCertPem });
    await modem.credentials.put({ secTag: TAG, type: 2, content: pki.clientKeyPem });
    const fd = tlsSocket(modem);
    const addr = { family: AF_INET, address: '127.0.0.1', port: srv.port } as const;
    expect(await errnoOfCall(modem.sockets.connect(fd, addr))).toBe(Errno.ENETDOWN);
    await modem.channel().command('AT+CFUN=1');
    await untilRegistered(modem);
    await modem.sockets.connect(fd, addr);
    expect(srv.handshakes).toHaveLength(1);
  });

  it('fails a transfer in progress with ENETDOWN when coverage is lost, and poll reports POLLERR', async () => {
    const srv = await server({ maxSendFragment: 1024 });
    const modem = await onlineModem();
    const fd = tlsSocket(modem);
    await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: srv.port });
    srv.broadcast(Buffer.alloc(1000, 0x64));
    expect((await readExactly(modem, fd, 1000)).length).toBe(1000);
    const pending = modem.sockets.recv(fd, 1000);
    modem.control.loseCoverage();
    expect(await errnoOfCall(pending)).toBe(Errno.ENETDOWN);
    const fds: PollFd[] = [{ fd, events: POLLIN, revents: 0 }];
    expect(await modem.sockets.poll(fds, 0)).toBe(1);
    expect(fds[0]?.revents).toBe(POLLERR);
    expect(await errnoOfCall(modem.sockets.send(fd, Buffer.from('x')))).toBe(Errno.ENETDOWN);
    expect(modem.sockets.getsockopt(fd, SOL_SOCKET, SO_ERROR)).toBe(Errno.ENETDOWN);
    // Back in coverage, the broken socket stays broken; a new one works.
    modem.control.regainCoverage();
    await untilRegistered(modem);
    expect(await errnoOfCall(modem.sockets.recv(fd, 10))).toBe(Errno.ENETDOWN);
    const again = tlsSocket(modem);
    await modem.sockets.connect(again, { family: AF_INET, address: '127.0.0.1', port: srv.port });
  });
});
