import type { TypedEmitter } from '../../core/events.js';

export type TransportKind = 'memory' | 'pty' | 'tcp' | 'stream';

export type TransportEvents = {
  /** Bytes from the peer, in the order they were sent, split arbitrarily. */
  data: [chunk: Buffer];
  /** A peer attached (TCP: a client connected). PTY peers cannot be observed and never emit it. */
  peer: [description: string];
  /** The peer went away (TCP client closed or died). The transport stays usable for the next peer. */
  'peer-gone': [reason: string];
  /** The transport itself closed; no more events follow. */
  close: [];
};

/**
 * One byte link between the modem's AT interface and whatever is on the other side: a PTY that any
 * serial tool opens, a loopback TCP port, or an in-memory pair for unit tests. All implementations pass
 * test/integration/transport-conformance.test.ts.
 *
 * Rules every implementation keeps:
 * - `write` never throws and never blocks; with no peer attached the bytes are dropped (TCP, memory)
 *   or left to the kernel's buffer (PTY), and the backlog kept in user space is bounded.
 * - A peer that disconnects, even in the middle of a write, is not an error of the transport.
 * - `close` is idempotent, cancels pending writes, releases every OS resource and emits `close` once.
 */
export interface Transport extends Pick<TypedEmitter<TransportEvents>, 'on' | 'once' | 'off'> {
  readonly kind: TransportKind;
  /** Where a client reaches it: a PTY path, `127.0.0.1:PORT`, or a label. */
  readonly address: string;
  readonly closed: boolean;
  write(data: Uint8Array | string): void;
  close(): Promise<void>;
}

/** The most bytes a transport keeps queued for a slow or absent peer before dropping output. */
export const MAX_PENDING_OUTPUT = 256 * 1024;
