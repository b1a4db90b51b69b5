import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import {
  AF_INET,
  AF_INET6,
  AF_PACKET,
  Errno,
  F_GETFL,
  F_SETFL,
  IPPROTO_DTLS_1_2,
  IPPROTO_TCP,
  IPPROTO_TLS_1_2,
  IPPROTO_UDP,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_WAITALL,
  O_NONBLOCK,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  SO_ERROR,
  SO_RCVTIMEO,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_TLS,
  SocketError,
  TLS_HOSTNAME,
  TLS_PEER_VERIFY,
  TLS_SEC_TAG_LIST,
  type PollFd,
} from '../../modem/sockets/index.js';
import {
  collectingServer,
  firstBadBlock,
  sendNumberedBlocks,
  tcpEchoServer,
  udpEchoServer,
} from './socket-servers.js';
import { untilRegistered } from '../helpers/registered.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function online(): Promise<{ modem: Modem; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const modem = new Modem({ name: 'api-test', clock });
  cleanup.push(() => modem.close());
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return { modem, clock };
}

/** A registered modem with a TCP socket connected to a fresh {@link collectingServer}. */
async function connectedToCollector() {
  const { modem } = await online();
  const server = await collectingServer();
  cleanup.push(() => server.close());
  const fd = modem.sockets.socket(AF_INET, SOCK_STREAM, 0);
  await modem.sockets.connect(fd, { family: AF_INET, address: '127.0.0.1', port: server.port });
  return { modem, server, fd };
}

async function errnoOf(p: Promise<unknown> | (() => unknown)): Promise<number> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    if (err instanceof SocketError) return err.errno;
    throw err;
  }
  throw new Error('the call succeeded');
}

async function echo(): Promise<number> {
  const s = await tcpEchoServer();
  cleanup.push(() => s.close());
  return s.port;
}

describe('socket() and options refuse what the modem refuses', () => {
  it('maps bad family, type and protocol to the Zephyr errno', async () => {
    const { modem } = await online();
    const s = modem.sockets;
    expect(await errnoOf(() => s.socket(AF_PACKET, SOCK_DGRAM, 0))).toBe(Errno.EAFNOSUPPORT);
    expect(await errnoOf(() => s.socket(AF_INET, SOCK_DGRAM, IPPROTO_DTLS_1_2))).toBe(Errno.EPROTONOSUPPORT);
    expect(await errnoOf(() => s.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP))).toBe(Errno.EPROTOTYPE);
    expect(await errnoOf(() => s.socket(AF_INET, 9, 0))).toBe(Errno.EPROTONOSUPPORT);
    expect(await errnoOf(() => s.close(5))).toBe(Errno.EBADF);
    expect(await errnoOf(s.recv(5, 10))).toBe(Errno.EBADF);
  });

  it('validates socket options: sec tag lists, timevals, unknown options, TLS options on TCP', async () => {
    const { modem } = await online();
    const s = modem.sockets;
    const tls = s.socket(AF_INET, SOCK_STREAM, IPPROTO_TLS_1_2);
    const tcp = s.socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    expect(await errnoOf(() => s.setsockopt(tls, SOL_TLS, TLS_SEC_TAG_LIST, [1, 2, 3, 4, 5, 6, 7, 8]))).toBe(
      Errno.EINVAL,
    );
    expect(await errnoOf(() => s.setsockopt(tls, SOL_TLS, TLS_SEC_TAG_LIST, [-1]))).toBe(Errno.EINVAL);
    expect(await errnoOf(() => s.setsockopt(tls, SOL_TLS, TLS_PEER_VERIFY, 3))).toBe(Errno.EINVAL);
    expect(await errnoOf(() => s.setsockopt(tls, SOL_TLS, 999, 1))).toBe(Errno.ENOPROTOOPT);
    expect(await errnoOf(() => s.setsockopt(tcp, SOL_TLS, TLS_HOSTNAME, 'x'))).toBe(Errno.EOPNOTSUPP);
    expect(await errnoOf(() => s.setsockopt(tcp, SOL_SOCKET, SO_RCVTIMEO, 5))).toBe(Errno.EINVAL);
    s.setsockopt(tls, SOL_TLS, TLS_SEC_TAG_LIST, [1, 2, 3, 4, 5, 6, 7]);
    expect(s.getsockopt(tls, SOL_TLS, TLS_SEC_TAG_LIST)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    s.setsockopt(tcp, SOL_SOCKET, SO_RCVTIMEO, { tv_sec: 2, tv_usec: 500_000 });
    expect(s.getsockopt(tcp, SOL_SOCKET, SO_RCVTIMEO)).toEqual({ tv_sec: 2, tv_usec: 500_000 });
  });
});

describe('TCP sockets against a real echo server', () => {
  it('echoes, peeks without consuming, and waits for all bytes with MSG_WAITALL', async () => {
    const { modem } = await online();
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    await s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: await echo() });
    const all = s.recv(fd, 10, MSG_WAITALL);
    await s.send(fd, Buffer.from('01234'));
    await new Promise((r) => setTimeout(r, 20));
    await s.send(fd, Buffer.from('56789'));
    expect((await all).toString()).toBe('0123456789');
    await s.send(fd, Buffer.from('abc'));
    const fds: PollFd[] = [{ fd, events: POLLIN, revents: 0 }];
    expect(await s.poll(fds, -1)).toBe(1);
    expect((await s.recv(fd, 2, MSG_PEEK)).toString()).toBe('ab');
    expect((await s.recv(fd, 10)).toString()).toBe('abc');
  });

  it('recvInto reads into the caller buffer: MSG_WAITALL, peek, a zero-length buffer, EAGAIN, EBADF', async () => {
    const { modem } = await online();
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    await s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: await echo() });
    const buf = Buffer.alloc(8, 0x2e);
    expect(await errnoOf(s.recvInto(fd, buf, MSG_DONTWAIT))).toBe(Errno.EAGAIN);
    const all = s.recvInto(fd, buf, MSG_WAITALL);
    await s.send(fd, Buffer.from('0123'));
    await new Promise((r) => setTimeout(r, 20));
    await s.send(fd, Buffer.from('4567xy'));
    expect(await all).toBe(8);
    expect(buf.toString()).toBe('01234567');
    const rest = Buffer.alloc(10, 0x2e);
    expect(await s.recvInto(fd, rest, MSG_PEEK)).toBe(2);
    expect(await s.recvInto(fd, Buffer.alloc(0))).toBe(0);
    rest.fill(0x2e);
    expect(await s.recvInto(fd, rest)).toBe(2);
    expect(rest.toString()).toBe('xy........');
    expect(await errnoOf(s.recvInto(fd, rest, MSG_DONTWAIT))).toBe(Errno.EAGAIN);
    expect(await errnoOf(s.recvInto(7, rest))).toBe(Errno.EBADF);
  });

  it('sends every byte exactly once when a sender had to wait for a slow peer', async () => {
    const { modem } = await online();
    // A slow reader at first: the sender fills the buffers and has to wait.
    const server = await collectingServer(undefined, { pauseMs: 50 });
    cleanup.push(() => server.close());
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    await s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: server.port });
    // send() must have taken a copy; 2000-byte sends line up with no internal buffer size.
    const size = 2000;
    const count = 4096;
    await sendNumberedBlocks((d) => s.send(fd, d), size, count);
    s.close(fd);
    const { data } = await server.connection;
    expect(data.length).toBe(size * count);
    expect(firstBadBlock(data, size, count)).toBe(-1);
  });

  it('reports the peer closing: POLLIN|POLLHUP, then recv returns 0 bytes', async () => {
    const { modem } = await online();
    const server = net.createServer((c) => c.end('bye'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => server.close(() => r())));
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    await s.connect(fd, {
      family: AF_INET,
      address: '127.0.0.1',
      port: (server.address() as net.AddressInfo).port,
    });
    const fds: PollFd[] = [{ fd, events: POLLIN, revents: 0 }];
    for (;;) {
      await s.poll(fds, -1);
      if (fds[0]!.revents & POLLHUP) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(fds[0]!.revents).toBe(POLLIN | POLLHUP);
    expect((await s.recv(fd, 10)).toString()).toBe('bye');
    expect((await s.recv(fd, 10)).length).toBe(0);
    expect(await s.recvInto(fd, Buffer.alloc(10))).toBe(0);
  });

  it('closes gracefully: bytes sent just before close() reach the peer, then an orderly end', async () => {
    const { modem, server, fd } = await connectedToCollector();
    const s = modem.sockets;
    const payload = Buffer.alloc(100_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
    for (let off = 0; off < payload.length; off += 1000) await s.send(fd, payload.subarray(off, off + 1000));
    s.close(fd);
    // The descriptor is free at once; the connection finishes in the background.
    expect(s.isOpen(fd)).toBe(false);
    const got = await server.connection;
    expect(got.data.equals(payload)).toBe(true);
    expect(got.orderly).toBe(true);
  });

  it('a power cut drops a closing connection without its unsent bytes', async () => {
    const { modem, server, fd } = await connectedToCollector();
    const s = modem.sockets;
    modem.control.partitionLink();
    await s.send(fd, Buffer.from('never leaves'));
    s.close(fd);
    await modem.close();
    const got = await server.connection;
    expect(got.data.length).toBe(0);
  });

  it('answers ECONNREFUSED when nothing listens, EISCONN on a second connect', async () => {
    const { modem } = await online();
    const s = modem.sockets;
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    expect(await errnoOf(s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: deadPort }))).toBe(
      Errno.ECONNREFUSED,
    );
    const ok = s.socket(AF_INET, SOCK_STREAM, 0);
    const addr = { family: AF_INET, address: '127.0.0.1', port: await echo() } as const;
    await s.connect(ok, addr);
    expect(await errnoOf(s.connect(ok, addr))).toBe(Errno.EISCONN);
    expect(
      await errnoOf(
        s.connect(s.socket(AF_INET, SOCK_STREAM, 0), { ...addr, family: AF_INET6, address: '::1' }),
      ),
    ).toBe(Errno.EAFNOSUPPORT);
  });

  it('works non-blocking: EINPROGRESS, POLLOUT when connected, EAGAIN with nothing to read', async () => {
    const { modem } = await online();
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    s.fcntl(fd, F_SETFL, O_NONBLOCK);
    expect(s.fcntl(fd, F_GETFL)).toBe(O_NONBLOCK);
    expect(await errnoOf(s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: await echo() }))).toBe(
      Errno.EINPROGRESS,
    );
    const fds: PollFd[] = [{ fd, events: POLLOUT, revents: 0 }];
    expect(await s.poll(fds, -1)).toBe(1);
    expect(fds[0]!.revents).toBe(POLLOUT);
    expect(s.getsockopt(fd, SOL_SOCKET, SO_ERROR)).toBe(0);
    expect(await errnoOf(s.recv(fd, 10))).toBe(Errno.EAGAIN);
    s.fcntl(fd, F_SETFL, 0);
    expect(await errnoOf(s.recv(fd, 10, MSG_DONTWAIT))).toBe(Errno.EAGAIN);
  });

  it('times a blocking recv out on the modem clock (SO_RCVTIMEO → EAGAIN); close wakes a reader with EBADF', async () => {
    const { modem, clock } = await online();
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    await s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: await echo() });
    s.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, { tv_sec: 5, tv_usec: 0 });
    let settled = false;
    const pending = errnoOf(s.recv(fd, 10)).finally(() => (settled = true));
    await clock.advance(4999);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await pending).toBe(Errno.EAGAIN);
    s.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, { tv_sec: 0, tv_usec: 0 });
    const blocked = errnoOf(s.recv(fd, 10));
    s.close(fd);
    expect(await blocked).toBe(Errno.EBADF);
    const fds: PollFd[] = [{ fd, events: POLLIN, revents: 0 }];
    expect(await s.poll(fds, 0)).toBe(1);
    expect(fds[0]!.revents).toBe(POLLNVAL);
  });

  it('poll with a timeout returns 0 when the clock runs out first', async () => {
    const { modem, clock } = await online();
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    await s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: await echo() });
    const fds: PollFd[] = [{ fd, events: POLLIN, revents: 0 }];
    const result = s.poll(fds, 1000);
    await clock.advance(1000);
    expect(await result).toBe(0);
  });

  it('fails every socket with ESHUTDOWN when the modem is switched off', async () => {
    const { modem } = await online();
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_STREAM, 0);
    await s.connect(fd, { family: AF_INET, address: '127.0.0.1', port: await echo() });
    const pending = errnoOf(s.recv(fd, 10));
    await modem.close();
    expect(await pending).toBe(Errno.ESHUTDOWN);
    expect(await errnoOf(() => s.socket(AF_INET, SOCK_STREAM, 0))).toBe(Errno.ESHUTDOWN);
  });
});

describe('IPv6', () => {
  it('connects over IPv6 when the PDN has an IPv6 address, ENETUNREACH when it has none', async () => {
    const { modem } = await online();
    const server = net.createServer((c) => c.end('v6'));
    await new Promise<void>((r) => server.listen(0, '::1', r));
    cleanup.push(() => new Promise((r) => server.close(() => r())));
    const addr = {
      family: AF_INET6,
      address: '::1',
      port: (server.address() as net.AddressInfo).port,
    } as const;
    const s = modem.sockets;
    const fd = s.socket(AF_INET6, SOCK_STREAM, 0);
    expect(await errnoOf(s.connect(fd, addr))).toBe(Errno.ENETUNREACH);
    // A network that gives the default PDN an IPv6 address too (IPv4v6 PDN).
    const dual = new Modem({
      name: 'api-test-v6',
      clock: new VirtualClock(),
      profile: { network: { radio: { ipv6: '2001:db8::74' } } },
    });
    cleanup.push(() => dual.close());
    await dual.channel().command('AT+CFUN=1');
    await untilRegistered(dual);
    const fd6 = dual.sockets.socket(AF_INET6, SOCK_STREAM, 0);
    await dual.sockets.connect(fd6, addr);
    expect((await dual.sockets.recv(fd6, 10, MSG_WAITALL)).toString()).toBe('v6');
  });
});

describe('UDP sockets', () => {
  it('sends with sendto and receives the echo with the sender address from recvfrom', async () => {
    const { modem } = await online();
    const server = await udpEchoServer();
    cleanup.push(() => server.close());
    const s = modem.sockets;
    const fd = s.socket(AF_INET, SOCK_DGRAM, 0);
    expect(await errnoOf(s.send(fd, Buffer.from('x')))).toBe(Errno.EDESTADDRREQ);
    await s.sendto(fd, Buffer.from('datagram 1'), 0, {
      family: AF_INET,
      address: '127.0.0.1',
      port: server.port,
    });
    const r = await s.recvfrom(fd, 100);
    expect(r.data.toString()).toBe('datagram 1');
    expect(r.from).toEqual({ family: AF_INET, address: '127.0.0.1', port: server.port });
    // A short buffer truncates the datagram and drops the rest.
    await s.sendto(fd, Buffer.from('0123456789'), 0, {
      family: AF_INET,
      address: '127.0.0.1',
      port: server.port,
    });
    expect((await s.recv(fd, 4)).toString()).toBe('0123');
    expect(await errnoOf(s.recv(fd, 4, MSG_DONTWAIT))).toBe(Errno.EAGAIN);
    // recvInto cuts the same way.
    await s.sendto(fd, Buffer.from('abcdefghij'), 0, {
      family: AF_INET,
      address: '127.0.0.1',
      port: server.port,
    });
    const into = Buffer.alloc(6, 0x2e);
    expect(await s.recvInto(fd, into.subarray(0, 3))).toBe(3);
    expect(into.toString()).toBe('abc...');
    expect(await errnoOf(s.recvInto(fd, into, MSG_DONTWAIT))).toBe(Errno.EAGAIN);
  });
});
