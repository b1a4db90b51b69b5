import { TypedEmitter } from '../../core/events.js';
import type { Transport, TransportEvents } from './transport.js';

/**
 * One end of an in-memory link. Delivery is asynchronous (a microtask later), like a real link, so
 * code under test cannot depend on a write being seen before `write` returns.
 */
export class MemoryTransport extends TypedEmitter<TransportEvents> implements Transport {
  // Public so connectMemoryPeer can announce a new peer; not part of the Transport interface.
  override emit<K extends keyof TransportEvents & string>(event: K, ...args: TransportEvents[K]): boolean {
    return super.emit(event, ...args);
  }

  readonly kind = 'memory' as const;
  peer: MemoryTransport | undefined;
  private isClosed = false;

  constructor(readonly address: string) {
    super();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  write(data: Uint8Array | string): void {
    const peer = this.peer;
    if (this.isClosed || !peer || peer.isClosed) return;
    const chunk = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    if (chunk.length === 0) return;
    queueMicrotask(() => {
      if (!peer.isClosed) peer.emit('data', chunk);
    });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const peer = this.peer;
    this.emit('close');
    if (peer && !peer.isClosed && peer.peer === this)
      queueMicrotask(() => peer.emit('peer-gone', 'peer closed'));
  }
}

/**
 * Connects a new host end to `device`, as a new client opening the port: the device's previous peer
 * (if any) is disconnected first.
 */
export function connectMemoryPeer(device: MemoryTransport, label = 'memory'): MemoryTransport {
  const previous = device.peer;
  if (previous && !previous.closed) void previous.close();
  const host = new MemoryTransport(`${label}:host`);
  device.peer = host;
  host.peer = device;
  queueMicrotask(() => device.emit('peer', host.address));
  return host;
}

/** Two connected ends: give `device` to the modem and `host` to the test or client. */
export function createMemoryPair(label = 'memory'): { device: MemoryTransport; host: MemoryTransport } {
  const device = new MemoryTransport(`${label}:device`);
  const host = new MemoryTransport(`${label}:host`);
  device.peer = host;
  host.peer = device;
  return { device, host };
}
