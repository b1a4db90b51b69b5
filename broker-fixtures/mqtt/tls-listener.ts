import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { ErrorCode, SimError } from '../../core/errors.js';
import { gateAlpn } from './alpn-gate.js';

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
   * `required`: the client must offer `x-amzn-mqtt-ca`, as on AWS's port 443; one that offers other
   * protocols or none fails the handshake with a `no_application_protocol` alert.
   */
  alpn: 'optional' | 'required';
  onConnection(socket: tls.TLSSocket): void;
  onClientError?(error: Error, socket: tls.TLSSocket): void;
}

/** Another endpoint served on the same port, chosen by the SNI host name a client sends. */
export interface VirtualHost {
  servername: string;
  key: string;
  cert: string;
  ca: string;
  onConnection(socket: tls.TLSSocket): void;
}

/**
 * A mutual-TLS listener. Client certificates are requested but checked after the handshake, by the
 * broker's gate, because an unknown certificate may still be provisioned (JITP) — as on AWS, where
 * the TLS handshake completes and the MQTT connection is then dropped.
 */
export class TlsListener {
  private constructor(
    private readonly server: net.Server,
    private readonly tlsServer: tls.Server,
    private readonly sockets: Set<net.Socket>,
    private readonly hosts: Map<string, VirtualHost & { context: tls.SecureContext }>,
    readonly host: string,
    readonly port: number,
  ) {}

  /**
   * Serves `host.servername` on this port too: a client whose SNI names it gets that host's
   * certificate and CA and is handed to its `onConnection` (the nRF Cloud stand-in beside AWS IoT
   * on 8883). Only for listeners without a required ALPN.
   */
  addVirtualHost(host: VirtualHost): void {
    const context = tls.createSecureContext({
      key: host.key,
      cert: host.cert + host.ca,
      ca: [host.ca],
      minVersion: 'TLSv1.2',
    });
    this.hosts.set(host.servername.toLowerCase(), { ...host, context });
  }

  static async listen(options: TlsListenerOptions): Promise<TlsListener> {
    const secure = {
      key: options.key,
      cert: options.cert + options.ca,
      ca: [options.ca],
      // AWS IoT Core's default security policy: TLS 1.2 and 1.3.
      minVersion: 'TLSv1.2' as const,
    };
    const hosts = new Map<string, VirtualHost & { context: tls.SecureContext }>();
    const tlsServer = tls.createServer({
      ...secure,
      SNICallback: (name, cb) => cb(null, hosts.get(name.toLowerCase())?.context),
      requestCert: true,
      rejectUnauthorized: false,
      // Any offer is accepted: SDK v2 offers `x-amzn-mqtt-ca` even on 8883.
      ALPNCallback: ({ protocols }) => (protocols.includes(AWS_MQTT_ALPN) ? AWS_MQTT_ALPN : protocols[0]),
    });
    const sockets = new Set<net.Socket>();
    const accepted = (socket: tls.TLSSocket): void => {
      socket.setNoDelay(true);
      const name = (socket as tls.TLSSocket & { servername?: string | false }).servername;
      const virtual = typeof name === 'string' ? hosts.get(name.toLowerCase()) : undefined;
      (virtual?.onConnection ?? options.onConnection)(socket);
    };
    const rejected = (err: Error, socket: tls.TLSSocket): void => options.onClientError?.(err, socket);
    tlsServer.on('secureConnection', accepted);
    tlsServer.on('tlsClientError', rejected);
    const context = tls.createSecureContext(secure);
    const front =
      options.alpn === 'required'
        ? net.createServer((socket) => gateAlpn(socket, AWS_MQTT_ALPN, context, accepted, rejected))
        : tlsServer;
    front.on('connection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      front.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE' || err.code === 'EACCES'
            ? new SimError(
                ErrorCode.PORT_IN_USE,
                `cannot listen on ${options.host}:${options.port}: ${err.code === 'EADDRINUSE' ? 'the port is already in use' : 'permission denied'}`,
              )
            : err,
        ),
      );
      front.listen(options.port, options.host, () => resolve());
    });
    return new TlsListener(
      front,
      tlsServer,
      sockets,
      hosts,
      options.host,
      (front.address() as AddressInfo).port,
    );
  }

  private closed: Promise<void> | undefined;

  /**
   * Stops accepting new connections at once; the ones open stay. A broker that is shutting down calls
   * this before it closes its clients, so a device that reconnects at once is refused (and goes to
   * its next address) instead of reaching a broker that is going away.
   */
  stopAccepting(): void {
    if (this.closed) return;
    this.closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.tlsServer !== this.server) this.tlsServer.close();
  }

  /** Stops accepting and drops the connections still open (aedes has normally closed them already). */
  async close(): Promise<void> {
    this.stopAccepting();
    for (const socket of this.sockets) socket.destroy();
    await this.closed;
  }
}
