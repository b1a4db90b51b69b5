export * from './constants.js';
export * from './dgram-socket.js';
export * from './dns.js';
export * from './errno.js';
export * from './interval-timer.js';
export * from './modem-socket.js';
export * from './modem-sockets.js';
export * from './socket-context.js';
export * from './socket-options.js';
export * from './socket-stream.js';
export * from './stream-socket.js';
export * from './tls-ciphers.js';
export * from './tls-connect.js';
export * from './tls-credentials.js';
export * from './tls-errors.js';
export { TlsSession, TLS_SESSION_TRANSITIONS, type TlsSessionState } from './tls-session.js';
export {
  applyTlsSocketOptions,
  splitTlsSocketOptions,
  type TlsOptionTarget,
  type TlsSocketOptions,
} from './tls-socket-options.js';
