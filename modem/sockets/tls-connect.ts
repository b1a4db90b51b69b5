import net from 'node:net';
import tls from 'node:tls';
import { TLS_PEER_VERIFY_REQUIRED, type SockAddr } from './constants.js';
import { TlsSessionCache, type SocketContext } from './socket-context.js';
import type { SocketOptions } from './socket-options.js';
import { cipherString } from './tls-ciphers.js';
import { collectMaterial } from './tls-credentials.js';
import type { FailurePhase } from './tls-errors.js';
import type { TlsSession } from './tls-session.js';

/**
 * Starts the modem's TLS 1.2 handshake over a connected TCP socket, set up from the socket's
 * options: trust and client credentials from its sec tags, SNI and the name check from
 * TLS_HOSTNAME, verification per TLS_PEER_VERIFY, a cached session when TLS_SESSION_CACHE is on.
 * Throws SocketError(EINVAL) when the sec tag's certificate and key do not load together.
 */
export function startModemTls(
  ctx: SocketContext,
  o: SocketOptions,
  addr: SockAddr,
  raw: net.Socket,
): tls.TLSSocket {
  const profile = ctx.profile;
  const material = collectMaterial(ctx.credentials, o.secTags);
  const context = ctx.secureContexts.get(material, cipherString(o.cipherList), profile.tlsMaxVersion);
  if (o.purgeRequested) {
    ctx.sessions.purge(o.secTags);
    o.purgeRequested = false;
  }
  const cacheKey = TlsSessionCache.key(o.secTags, o.hostname, addr.address, addr.port);
  const session = o.sessionCache ? ctx.sessions.get(cacheKey) : undefined;
  const hostname = o.hostname;
  const secure = tls.connect({
    socket: raw,
    secureContext: context,
    ...(hostname && !net.isIP(hostname) ? { servername: hostname } : {}),
    ...(session ? { session } : {}),
    rejectUnauthorized: o.peerVerify === TLS_PEER_VERIFY_REQUIRED,
    // Without TLS_HOSTNAME the modem does not check the name (nrf_modem NRF_SO_SEC_HOSTNAME).
    checkServerIdentity: (_host, cert) => (hostname ? tls.checkServerIdentity(hostname, cert) : undefined),
    ...(material.psk && material.pskIdentity
      ? { pskCallback: () => ({ psk: material.psk as Buffer, identity: material.pskIdentity as string }) }
      : {}),
  });
  if (o.sessionCache) secure.on('session', (s: Buffer) => ctx.sessions.set(cacheKey, s));
  return secure;
}

/** What a running handshake reports to its socket. */
export interface TlsHandshakeEvents {
  error(err: unknown, phase: FailurePhase): void;
  /** Node's handshake completed; the TLS socket is paused until the link has carried it. */
  negotiated(secure: tls.TLSSocket, resumed: boolean): void;
}

/**
 * Runs `session`'s handshake over `raw` ({@link startModemTls}): errors report `handshake` until the
 * session is established, and the outcome (resumed, cipher) is recorded in the session.
 */
export function runTlsHandshake(
  ctx: SocketContext,
  o: SocketOptions,
  session: TlsSession,
  addr: SockAddr,
  raw: net.Socket,
  events: TlsHandshakeEvents,
): tls.TLSSocket {
  session.handshake({
    secTags: o.secTags,
    hostname: o.hostname,
    peer: addr,
    sessionCache: o.sessionCache === 1,
  });
  const secure = startModemTls(ctx, o, addr, raw);
  secure.on('error', (err) =>
    events.error(err, session.state === 'handshaking' ? 'handshake' : 'established'),
  );
  secure.once('secureConnect', () => {
    const resumed = secure.isSessionReused();
    session.negotiated({ resumed, cipher: secure.getCipher()?.standardName, protocol: secure.getProtocol() });
    secure.pause();
    events.negotiated(secure, resumed);
  });
  return secure;
}
