import type { Clock } from '../core/clock.js';
import { trace } from '../core/trace.js';

export interface BrokerEvent {
  /** Epoch milliseconds from the stand-in's clock. */
  timestamp: number;
  /** e.g. `connected`, `disconnected`, `connect-refused`, `publish-refused`, `jitp`, `shadow-update`. */
  type: string;
  clientId?: string;
  thingName?: string;
  detail?: string;
}

/**
 * The console's "recent events": a bounded ring of what happened on the broker, newest last. Each
 * event also goes to the `nrf91sim:transport` trace channel.
 */
export class EventLog {
  private readonly events: BrokerEvent[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly capacity = 1000,
  ) {}

  add(event: Omit<BrokerEvent, 'timestamp'>): void {
    const full: BrokerEvent = { timestamp: this.clock.now(), ...event };
    this.events.push(full);
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity);
    trace('transport', { transport: 'broker', event: full.type, detail: full });
  }

  /** The most recent `limit` events, optionally of one type or one client. */
  recent(filter: { limit?: number; type?: string; clientId?: string } = {}): BrokerEvent[] {
    const matching = this.events.filter(
      (e) =>
        (filter.type === undefined || e.type === filter.type) &&
        (filter.clientId === undefined || e.clientId === filter.clientId),
    );
    return matching.slice(-(filter.limit ?? 100));
  }
}
