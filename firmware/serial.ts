import { ErrorCode, SimError } from '../core/errors.js';
import { PtyTransport } from '../modem/transport/pty.js';
import { TcpTransport } from '../modem/transport/tcp.js';
import type { Transport } from '../modem/transport/transport.js';

/** Where a device's UART goes: a PTY (optionally with a stable symlink), a loopback TCP port, or nowhere. */
export type SerialSpec =
  { kind: 'pty'; link?: string } | { kind: 'tcp'; port: number; host?: string } | { kind: 'none' };

/** Parses `pty`, `pty:/tmp/nrf91-0`, `tcp:0`, `tcp:5000`, `tcp:127.0.0.1:5000`, `none`. */
export function parseSerialSpec(text: string): SerialSpec {
  if (text === 'none') return { kind: 'none' };
  if (text === 'pty') return { kind: 'pty' };
  if (text.startsWith('pty:')) {
    const link = text.slice(4);
    if (!link.startsWith('/'))
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `--serial ${text}: the link must be an absolute path`);
    return { kind: 'pty', link };
  }
  const tcp = /^tcp:(?:([^:]+):)?(\d{1,5})$/.exec(text);
  if (tcp) {
    const port = Number(tcp[2]);
    if (port > 65535) throw new SimError(ErrorCode.INVALID_ARGUMENT, `--serial ${text}: port out of range`);
    return tcp[1] ? { kind: 'tcp', port, host: tcp[1] } : { kind: 'tcp', port };
  }
  throw new SimError(
    ErrorCode.INVALID_ARGUMENT,
    `--serial ${text}: expected pty, pty:/path/to/link, tcp:PORT, tcp:HOST:PORT or none`,
  );
}

export async function openSerial(spec: SerialSpec): Promise<Transport | undefined> {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'pty':
      return PtyTransport.open(spec.link ? { link: spec.link } : {});
    case 'tcp':
      return TcpTransport.listen(spec.host ? { port: spec.port, host: spec.host } : { port: spec.port });
  }
}
