import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AF_INET,
  Errno,
  TLS_HANDSHAKE_STATUS_CACHED,
  TLS_HANDSHAKE_STATUS_FULL,
  TlsSession,
  type TlsSessionState,
} from '../../modem/sockets/index.js';

const PEER = { family: AF_INET, address: '127.0.0.1', port: 8883 } as const;
const SETUP = { secTags: [42], hostname: 'broker.local', peer: PEER, sessionCache: true };
const OUTCOME = { resumed: false, cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', protocol: 'TLSv1.2' };

const subscriptions: Array<[string, (m: unknown) => void]> = [];
afterEach(() => {
  for (const [name, fn] of subscriptions.splice(0)) diagnostics.unsubscribe(name, fn);
});

function listen(name: string): unknown[] {
  const seen: unknown[] = [];
  const fn = (m: unknown): void => void seen.push(m);
  diagnostics.subscribe(name, fn);
  subscriptions.push([name, fn]);
  return seen;
}

function watched(): { session: TlsSession; moves: string[] } {
  const session = new TlsSession(3, 'dev-tls');
  const moves: string[] = [];
  session.machine.on('state', (to: TlsSessionState, from: TlsSessionState) => moves.push(`${from}->${to}`));
  return { session, moves };
}

describe('TLS session state machine', () => {
  it('goes idle -> handshaking -> established -> closing -> closed, with a state event each', () => {
    const { session, moves } = watched();
    const states = listen('nrf91sim:state');
    session.handshake(SETUP);
    session.negotiated(OUTCOME);
    // Negotiated by the host, not yet carried over the link: the device still waits.
    expect(session.state).toBe('handshaking');
    session.established();
    session.closeNotify();
    session.end();
    expect(moves).toEqual([
      'idle->handshaking',
      'handshaking->established',
      'established->closing',
      'closing->closed',
    ]);
    expect(states).toContainEqual({ device: 'dev-tls', machine: 'tls 3', from: 'idle', to: 'handshaking' });
    expect(session.cipherSuiteUsed).toBe(0xc02b);
    expect(session.handshakeStatus).toBe(TLS_HANDSHAKE_STATUS_FULL);
  });

  it('publishes handshake start and done with the sec tags and the cipher', () => {
    const started = listen('nrf91sim:tls:handshake:start');
    const done = listen('nrf91sim:tls:handshake:done');
    const { session } = watched();
    session.handshake(SETUP);
    session.negotiated({ ...OUTCOME, resumed: true });
    expect(done).toEqual([]);
    session.established();
    expect(started).toEqual([
      {
        device: 'dev-tls',
        fd: 3,
        secTags: [42],
        hostname: 'broker.local',
        peer: { address: '127.0.0.1', port: 8883 },
        sessionCache: true,
      },
    ]);
    expect(done).toEqual([
      {
        device: 'dev-tls',
        fd: 3,
        secTags: [42],
        hostname: 'broker.local',
        cipher: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
        cipherSuite: 0xc02b,
        protocol: 'TLSv1.2',
        resumed: true,
      },
    ]);
    expect(session.handshakeStatus).toBe(TLS_HANDSHAKE_STATUS_CACHED);
  });

  it('a failure during the handshake is failed, published as a handshake error, then closed', () => {
    const errors = listen('nrf91sim:tls:handshake:error');
    const { session, moves } = watched();
    session.handshake(SETUP);
    session.end(Errno.ECONNREFUSED, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(session.state).toBe('failed');
    expect(errors).toEqual([
      {
        device: 'dev-tls',
        fd: 3,
        secTags: [42],
        hostname: 'broker.local',
        errno: Errno.ECONNREFUSED,
        error: 'ECONNREFUSED',
        cause: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      },
    ]);
    // Closing the failed socket closes the session; a second end changes nothing.
    session.end(Errno.ECONNREFUSED);
    session.end();
    expect(moves).toEqual(['idle->handshaking', 'handshaking->failed', 'failed->closed']);
  });

  it('a failure of an established session is no handshake error', () => {
    const errors = listen('nrf91sim:tls:handshake:error');
    const { session } = watched();
    session.handshake(SETUP);
    session.negotiated(OUTCOME);
    session.established();
    session.end(Errno.ECONNRESET);
    expect(session.state).toBe('failed');
    expect(errors).toEqual([]);
  });

  it('refuses moves the table does not allow', () => {
    const idle = new TlsSession(1, 'dev-tls');
    expect(() => idle.established()).toThrow(/tls 1: illegal transition idle -> established/);
    expect(() => idle.closeNotify()).toThrow(/illegal transition idle -> closing/);
    expect(() => idle.negotiated(OUTCOME)).toThrow(/negotiated while idle/);

    const handshaking = new TlsSession(2, 'dev-tls');
    handshaking.handshake(SETUP);
    expect(() => handshaking.closeNotify()).toThrow(/illegal transition handshaking -> closing/);

    const closing = new TlsSession(4, 'dev-tls');
    closing.handshake(SETUP);
    closing.established();
    closing.closeNotify();
    expect(() => closing.established()).toThrow(/illegal transition closing -> established/);
    expect(() => closing.handshake(SETUP)).toThrow(/illegal transition closing -> handshaking/);

    const failed = new TlsSession(5, 'dev-tls');
    failed.end(Errno.ETIMEDOUT);
    expect(failed.state).toBe('failed');
    expect(() => failed.handshake(SETUP)).toThrow(/illegal transition failed -> handshaking/);
    expect(() => failed.established()).toThrow(/illegal transition failed -> established/);

    const closed = new TlsSession(6, 'dev-tls');
    closed.end();
    expect(closed.state).toBe('closed');
    expect(() => closed.handshake(SETUP)).toThrow(/illegal transition closed -> handshaking/);
    expect(closed.state).toBe('closed');
  });
});
