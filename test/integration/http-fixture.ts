import net from 'node:net';

export interface RawRequest {
  path: string;
  range: string | undefined;
  connection: number;
}

/**
 * A small HTTP/1.1 server over raw TCP whose faults a test picks per request: it serves `body` with
 * 206 + Content-Range for ranged requests (200 otherwise) unless `respond` answers instead.
 */
export async function rawHttpServer(
  cleanup: Array<() => Promise<void> | void>,
  body: Buffer,
  respond?: (req: RawRequest, socket: net.Socket, index: number) => boolean,
): Promise<{ port: number; requests: RawRequest[]; connections: () => number }> {
  const requests: RawRequest[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    let pending = '';
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const req: RawRequest = {
          path: head.split(' ')[1] ?? '',
          range: /\r\nRange: bytes=([^\r]*)/.exec(head)?.[1],
          connection,
        };
        requests.push(req);
        if (respond?.(req, socket, requests.length - 1)) continue;
        socket.write(standardResponse(body, req.range));
      }
    });
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, requests, connections: () => connections };
}

export function standardResponse(body: Buffer, range: string | undefined, extra = ''): Buffer {
  if (range === undefined) {
    return Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n`),
      body,
    ]);
  }
  const [a, b] = range.split('-');
  const from = Number(a);
  const to = b ? Math.min(Number(b), body.length - 1) : body.length - 1;
  return Buffer.concat([
    Buffer.from(
      `HTTP/1.1 206 Partial Content\r\nContent-Range: bytes ${from}-${to}/${body.length}\r\n` +
        `Content-Length: ${to - from + 1}\r\n${extra}\r\n`,
    ),
    body.subarray(from, to + 1),
  ]);
}
