import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { ErrorCode, SimError } from '../../core/errors.js';

/** AWS IoT's ALPN protocol for MQTT with X.509 on port 443 (cloud-services.md §3.1). */
export const AWS_MQTT_ALPN = 'x-amzn-mqtt-ca';

export interface TlsListenerOptions {
  host: string;
  port: number;
  key: string;
  cert: string;
  /** The local CA, sent as the chain and offered to clients as acceptable issuers. */
  ca: string;
  /**
   * `optional`: any ALPN offer is accepted (SDK v2 offers `x-amzn-mqtt-ca` even on 8883).
   * `required`: the client must offer `x-amzn-mqtt-ca`, as on AWS's port 443.
   */
  alpn: 'optional' | 'required';
  onConnection(socket: tls.TLSSocket): void;
  onClientError?(error: Error, socket: tls.TLSSocket): void;
}

/**
 * A mutual-TLS listener. Client certificates are requested but checked after the handshake, by the
 * broker's gate, because an unknown certificate may still be provisioned (JITP) — as on AWS, where
 * the TLS handshake completes and the MQTT connection is then dropped.
 */
export class TlsListener {
  private readonly sockets = new Set<tls.TLSSocket>();

  private constructor(
    private readonly server: tls.Server,
    readonly host: string,
    readonly port: number,
  ) {}

  static async listen(options: TlsListenerOptions): Promise<TlsListener> {
    const server = tls.createServer({
      key: options.key,
      cert: options.cert + options.ca,
      ca: [options.ca],
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      // Node rejects the handshake with a fatal alert when this returns undefined.
      ALPNCallback: ({ protocols }) =>
        protocols.includes(AWS_MQTT_ALPN)
          ? AWS_MQTT_ALPN
          : options.alpn === 'optional'
            ? protocols[0]
            : undefined,
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      socket.setNoDelay(true);
      if (options.alpn === 'required' && socket.alpnProtocol !== AWS_MQTT_ALPN) {
        socket.destroy();
        return;
      }
      options.onConnection(socket);
    });
    server.on('tlsClientError', (err, socket) => options.onClientError?.(err, socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new SimError(
                ErrorCode.PORT_IN_USE,
                `cannot listen on ${options.host}:${options.port}: ${err.code === 'EADDRINUSE' ? 'the port is already in use' : 'permission denied'}`,
              )
            : err,
        ),
      );
      server.listen(options.port, options.host, () => resolve());
    });
    const listener = new TlsListener(server, options.host, (server.address() as AddressInfo).port);
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      listener.sockets.add(socket);
      socket.once('close', () => listener.sockets.delete(socket));
    });
    return listener;
  }

  /** Stops accepting and drops the connections still open (aedes has normally closed them already). */
  async close(): Promise<void> {
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await done;
  }
}
