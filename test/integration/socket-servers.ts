import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { SocketPki } from './socket-pki.js';

export interface TlsEchoServer {
  port: number;
  /** One entry per completed handshake. */
  handshakes: Array<{ resumed: boolean; clientCn: string | undefined; servername: string | false | null }>;
  /** Writes to every open connection. */
  broadcast(data: Buffer): void;
  sockets: Set<tls.TLSSocket>;
  close(): Promise<void>;
}

/** A TLS echo server on 127.0.0.1:0 with the test PKI; it requires a client certificate by default. */
export async function tlsEchoServer(
  pki: SocketPki,
  options: { requireClientCert?: boolean; maxSendFragment?: number } = {},
): Promise<TlsEchoServer> {
  const handshakes: TlsEchoServer['handshakes'] = [];
  const sockets = new Set<tls.TLSSocket>();
  const requireClientCert = options.requireClientCert ?? true;
  const server = tls.createServer(
    {
      key: pki.serverKeyPem,
      cert: pki.serverCertPem,
      ca: [pki.caPem],
      requestCert: requireClientCert,
      rejectUnauthorized: requireClientCert,
    },
    (socket) => {
      sockets.add(socket);
      if (options.maxSendFragment) socket.setMaxSendFragment(options.maxSendFragment);
      const peer = socket.getPeerCertificate();
      handshakes.push({
        resumed: socket.isSessionReused(),
        clientCn: peer && 'subject' in peer && peer.subject ? (peer.subject.CN as string) : undefined,
        servername: socket.servername,
      });
      socket.on('data', (d) => socket.write(d));
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    handshakes,
    sockets,
    broadcast: (data) => {
      for (const s of sockets) s.write(data);
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TcpEchoServer {
  port: number;
  received: () => number;
  close(): Promise<void>;
}

/** A plain TCP echo server on 127.0.0.1:0 (set `echo: false` to only count bytes). */
export async function tcpEchoServer(echo = true): Promise<TcpEchoServer> {
  let received = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (d) => {
      received += d.length;
      if (echo) socket.write(d);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A UDP echo server on 127.0.0.1:0. */
export async function udpEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => socket.send(msg, rinfo.port, rinfo.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

export interface CollectedConnection {
  /** Everything the connection carried, once it ended. */
  data: Buffer;
  /** True for an orderly end (FIN, and close_notify over TLS); false for a reset or a bare close. */
  orderly: boolean;
}

/**
 * A server that takes one connection and collects what it sends until it ends: plain TCP, or TLS
 * with the test PKI (client certificate required); `pauseMs` holds reading back at first.
 */
export async function collectingServer(
  pki?: SocketPki,
  options: { pauseMs?: number } = {},
): Promise<{ port: number; connection: Promise<CollectedConnection>; close(): Promise<void> }> {
  let resolveConnection: (c: CollectedConnection) => void = () => undefined;
  const connection = new Promise<CollectedConnection>((r) => (resolveConnection = r));
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    const parts: Buffer[] = [];
    let ended = false;
    socket.on('data', (d: Buffer) => parts.push(d));
    socket.on('end', () => (ended = true));
    if (options.pauseMs) {
      // A slow reader at first: the sender fills every buffer on the way and has to wait.
      socket.pause();
      setTimeout(() => socket.resume(), options.pauseMs);
    }
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      resolveConnection({ data: Buffer.concat(parts), orderly: ended });
    });
  };
  const server = pki
    ? tls.createServer(
        {
          key: pki.serverKeyPem,
          cert: pki.serverCertPem,
          ca: [pki.caPem],
          requestCert: true,
          rejectUnauthorized: true,
        },
        onSocket,
      )
    : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connection,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Sends `count` blocks of `size` bytes from one buffer refilled after every send (as firmware
 * reuses its buffer): block i holds i in its first four bytes and i & 0xff after them.
 */
export async function sendNumberedBlocks(
  send: (data: Buffer) => Promise<number>,
  size: number,
  count: number,
): Promise<void> {
  const mine = Buffer.alloc(size);
  for (let i = 0; i < count; i++) {
    mine.fill(i & 0xff);
    mine.writeUInt32BE(i, 0);
    const n = await send(mine);
    if (n !== size) throw new Error(`send took ${n} of ${size} bytes`);
  }
}

/** The index of the first block of `data` that is not what {@link sendNumberedBlocks} sent, or -1. */
export function firstBadBlock(data: Buffer, size: number, count: number): number {
  if (data.length !== size * count) return Math.floor(data.length / size);
  for (let i = 0; i < count; i++) {
    const block = data.subarray(i * size, (i + 1) * size);
    if (block.readUInt32BE(0) !== i || !block.subarray(4).every((b) => b === (i & 0xff))) return i;
  }
  return -1;
}
