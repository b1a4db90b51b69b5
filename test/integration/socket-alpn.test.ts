import type net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import {
  AF_INET,
  Errno,
  IPPROTO_TCP,
  IPPROTO_TLS_1_2,
  SOCK_STREAM,
  SOL_TLS,
  SocketError,
  TLS_ALPN_LIST,
  TLS_HOSTNAME,
  TLS_SEC_TAG_LIST,
} from '../../modem/sockets/index.js';
import { untilRegistered } from '../helpers/registered.js';
import { socketPki, type SocketPki } from './socket-pki.js';

const TAG = 43;
let pki: SocketPki;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  pki = await socketPki();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A TLS server that records the protocol each handshake agreed (false: no ALPN). */
async function alpnServer(): Promise<{ port: number; agreed: Array<string | false | null> }> {
  const agreed: Array<string | false | null> = [];
  const server = tls.createServer(
    {
      key: pki.serverKeyPem,
      cert: pki.serverCertPem,
      ca: [pki.caPem],
      requestCert: true,
      ALPNProtocols: ['x-amzn-mqtt-ca'],
    },
    (socket) => {
      agreed.push(socket.alpnProtocol);
      socket.on('error', () => undefined);
      socket.end();
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.address() as net.AddressInfo).port, agreed };
}

async function onlineModem(): Promise<Modem> {
  const modem = new Modem({ name: 'alpn-test', clock: new VirtualClock() });
  cleanup.push(() => modem.close());
  await modem.credentials.put({ secTag: TAG, type: 0, content: pki.caPem });
  await modem.credentials.put({ secTag: TAG, type: 1, content: pki.clientCertPem });
  await modem.credentials.put({ secTag: TAG, type: 2, content: pki.clientKeyPem });
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return modem;
}

function errnoOf(fn: () => void): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SocketError) return err.errno;
    throw err;
  }
  return undefined;
}

describe('TLS_ALPN_LIST on a modem TLS socket', () => {
  it('offers the listed protocols in the handshake; without the option nothing is offered', async () => {
    const srv = await alpnServer();
    const modem = await onlineModem();
    const s = modem.sockets;
    const open = async (alpn: readonly string[] | undefined): Promise<void> => {
      const fd = s.socket(AF_INET, SOCK_STREAM, IPPROTO_TLS_1_2);
      s.setsockopt(fd, SOL_TLS, TLS_SEC_TAG_LIST, [TAG]);
      s.setsockopt(fd, SOL_TLS, TLS_HOSTNAME, 'localhost');
      if (alpn) s.setsockopt(fd, SOL_TLS, TLS_ALPN_LIST, alpn);
      await s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: srv.port });
      s.close(fd);
    };
    await open(['x-amzn-mqtt-ca']);
    await open(undefined);
    await expect.poll(() => srv.agreed.length).toBe(2);
    expect(srv.agreed).toEqual(['x-amzn-mqtt-ca', false]);
  });

  it('reads back what was set; an empty or malformed list is EINVAL, a plain socket EOPNOTSUPP', () => {
    const modem = new Modem({ name: 'alpn-opts', clock: new VirtualClock() });
    cleanup.push(() => modem.close());
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, IPPROTO_TLS_1_2);
    expect(s.getsockopt(fd, SOL_TLS, TLS_ALPN_LIST)).toEqual([]);
    s.setsockopt(fd, SOL_TLS, TLS_ALPN_LIST, ['x-amzn-mqtt-ca', 'mqtt']);
    expect(s.getsockopt(fd, SOL_TLS, TLS_ALPN_LIST)).toEqual(['x-amzn-mqtt-ca', 'mqtt']);
    expect(errnoOf(() => s.setsockopt(fd, SOL_TLS, TLS_ALPN_LIST, []))).toBe(Errno.EINVAL);
    expect(errnoOf(() => s.setsockopt(fd, SOL_TLS, TLS_ALPN_LIST, ['']))).toBe(Errno.EINVAL);
    expect(errnoOf(() => s.setsockopt(fd, SOL_TLS, TLS_ALPN_LIST, 'mqtt'))).toBe(Errno.EINVAL);
    expect(errnoOf(() => s.setsockopt(fd, SOL_TLS, TLS_ALPN_LIST, ['x'.repeat(256)]))).toBe(Errno.EINVAL);
    const plain = s.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    expect(errnoOf(() => s.setsockopt(plain, SOL_TLS, TLS_ALPN_LIST, ['mqtt']))).toBe(Errno.EOPNOTSUPP);
  });
});
