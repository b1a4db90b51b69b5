import type { Clock, TimerHandle } from '../../core/clock.js';

/** Bytes that cannot leave a closed connection (partition, lost mapping) are given up after this. */
const TCP_GIVE_UP_MS = 60_000;

/**
 * The linger of a closed stream: close() returns at once, what send() accepted still crosses the
 * link and reaches the peer, then the connection ends (FIN, and close_notify for TLS). What cannot
 * leave is given up after the TCP retransmission limit. The socket drives it: {@link begin} on
 * close(), {@link end} once the last byte is with the host connection, {@link settle} on teardown.
 */
export class GracefulClose {
  private closing = false;
  private ending = false;
  private giveUp: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly abandon: () => void,
  ) {}

  /** True after close() while accepted bytes are still on their way to the peer. */
  get lingering(): boolean {
    return this.closing;
  }

  /** True once the host connection was told to end. */
  get ended(): boolean {
    return this.ending;
  }

  begin(): void {
    this.closing = true;
    this.giveUp ??= this.clock.setTimeout(this.abandon, TCP_GIVE_UP_MS);
  }

  /** The last accepted byte is with the host: `finish` ends the connection. */
  end(finish: () => void): void {
    this.ending = true;
    finish();
  }

  /** The connection is gone; true when it was lingering. */
  settle(): boolean {
    const was = this.closing;
    this.closing = false;
    this.giveUp?.cancel();
    return was;
  }
}
