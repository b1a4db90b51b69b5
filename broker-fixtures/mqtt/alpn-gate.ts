import type net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { alpnOffer, MAX_CLIENT_HELLO_BYTES, NO_APPLICATION_PROTOCOL_ALERT } from './client-hello.js';

/**
 * The front of a listener that requires one ALPN protocol, as AWS IoT's port 443 requires
 * `x-amzn-mqtt-ca`. Node asks its `ALPNCallback` only when a client offers ALPN at all, so a client
 * offering none would complete the handshake; here the ClientHello is read first, and a client
 * whose offer lacks the protocol gets a fatal `no_application_protocol` alert instead of a
 * handshake. The bytes read cannot be put back under Node's native TLS, so an accepted connection
 * runs TLS over a stream that replays them.
 */
export function gateAlpn(
  socket: net.Socket,
  protocol: string,
  context: tls.SecureContext,
  onSecure: (socket: tls.TLSSocket) => void,
  onError: (err: Error, socket: tls.TLSSocket) => void,
): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    const offer = alpnOffer(buffered);
    if (offer.kind === 'incomplete' && buffered.length < MAX_CLIENT_HELLO_BYTES) return;
    socket.off('data', onData);
    socket.pause();
    if (offer.kind === 'offer' && !offer.protocols.includes(protocol)) {
      socket.end(NO_APPLICATION_PROTOCOL_ALERT);
      return;
    }
    // Anything else (not a ClientHello at all) goes to TLS, which refuses it in its own words.
    const secure = new tls.TLSSocket(replaying(socket, buffered), {
      isServer: true,
      secureContext: context,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: [protocol],
    });
    // The TLS socket sits on a stream, not on the connection: it learns the peer from here.
    Object.defineProperty(secure, 'remoteAddress', { value: socket.remoteAddress });
    Object.defineProperty(secure, 'remotePort', { value: socket.remotePort });
    secure.once('secure', () => onSecure(secure));
    secure.on('error', (err) => {
      if (!secure.alpnProtocol) onError(err, secure);
      secure.destroy();
    });
  };
  socket.setNoDelay(true);
  socket.on('data', onData);
  socket.once('error', () => socket.destroy());
}

/** A duplex over `socket` that first yields `first`, then whatever the socket reads. */
function replaying(socket: net.Socket, first: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, done) {
      socket.write(chunk, done);
    },
    final(done) {
      socket.end();
      done();
    },
    destroy(err, done) {
      socket.destroy(err ?? undefined);
      done(err);
    },
  });
  stream.push(first);
  socket.on('data', (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.once('end', () => stream.push(null));
  socket.once('close', () => stream.destroy());
  socket.on('error', (err) => stream.destroy(err));
  return stream;
}
