import type { Clock, TimerHandle } from '../../core/clock.js';

/** After its NAT mapping expired, a connection that sends gets no answer; it gives up after this. */
const TCP_GIVE_UP_MS = 60_000;

/**
 * The carrier NAT mapping of one stream connection. Once it expired (the link's NAT idle timeout),
 * nothing the server sends reaches the device and nothing the device sends reaches the server: the
 * first unanswered segment starts the TCP retransmission limit, after which the connection fails.
 */
export class NatMapping {
  private isExpired = false;
  private giveUp: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onGiveUp: () => void,
  ) {}

  get expired(): boolean {
    return this.isExpired;
  }

  expire(): void {
    this.isExpired = true;
  }

  /** A segment went into the expired mapping: it is never acknowledged. */
  sentUnanswered(): void {
    this.giveUp ??= this.clock.setTimeout(this.onGiveUp, TCP_GIVE_UP_MS);
  }

  /** The connection is gone: no give-up is pending any more. */
  cancel(): void {
    this.giveUp?.cancel();
  }
}
