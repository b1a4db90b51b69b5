import { TypedEmitter } from '../../core/events.js';
import { trace } from '../../core/trace.js';

/** Why IP traffic stopped: the radio was switched off, coverage lost, the PDN dropped, or a detach. */
export type DataPathDownReason = 'cfun' | 'coverage' | 'pdn' | 'detach' | 'sim' | 'power';

export type DataPathEvents = {
  /** The data path came up (`reason` undefined) or went down (with the reason). */
  change: [up: boolean, reason: DataPathDownReason | undefined];
  /** Socket traffic happened (sent or received); the RRC model uses it for `+CSCON`. */
  activity: [];
  /** Bytes of socket data handed to the radio (`up`) or received from it (`down`), for `%XCONNSTAT`. */
  traffic: [direction: 'up' | 'down', bytes: number];
};

/**
 * Whether the modem can carry IP traffic: registered (home or roaming) with the default PDN (cid 0)
 * active. The network layer drives it; the socket layer reads it (ENETDOWN while down) and reports
 * traffic through {@link notifyActivity}.
 */
export class DataPath extends TypedEmitter<DataPathEvents> {
  private isUp = false;
  private address: { ipv4?: string; ipv6?: string } = {};
  private waiters: Array<() => void> = [];

  constructor(private readonly owner: string) {
    super();
  }

  get up(): boolean {
    return this.isUp;
  }

  /** The default bearer's IPv4 address while up. */
  get ipv4(): string | undefined {
    return this.isUp ? this.address.ipv4 : undefined;
  }

  get ipv6(): string | undefined {
    return this.isUp ? this.address.ipv6 : undefined;
  }

  /** Resolves when the data path is up (at once when it already is). */
  whenUp(): Promise<void> {
    if (this.isUp) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notifyActivity(): void {
    if (this.isUp) this.emit('activity');
  }

  /** Sockets report the bytes they move; only the counters listen (no RRC effect, see notifyActivity). */
  countTraffic(direction: 'up' | 'down', bytes: number): void {
    if (this.isUp && bytes > 0) this.emit('traffic', direction, bytes);
  }

  /** Network layer only. */
  setUp(address: { ipv4?: string; ipv6?: string }): void {
    this.address = address;
    if (this.isUp) return;
    this.isUp = true;
    trace('state', { device: this.owner, machine: 'data-path', from: 'down', to: 'up' });
    this.emit('change', true, undefined);
    for (const w of this.waiters.splice(0)) w();
  }

  /** Network layer only. */
  setDown(reason: DataPathDownReason): void {
    if (!this.isUp) return;
    this.isUp = false;
    trace('state', { device: this.owner, machine: 'data-path', from: 'up', to: 'down', reason });
    this.emit('change', false, reason);
  }
}
