import type { Clock, TimerHandle } from '../../core/clock.js';

/**
 * The keep-alive of `MQTT_Periodic` (aws_mqtt_lib.c), on the modem's clock: a PINGREQ after
 * `intervalMs` without sending anything; a PINGRESP is due within `timeoutMs`. A missed PINGRESP is
 * only reported (eMQTTPingTimeout, which the agent ignores) and the next PINGREQ goes out at once:
 * the library never drops the connection over it.
 */
export class KeepAlive {
  private timer: TimerHandle | undefined;
  private waitingForPingResp = false;
  private running = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly sendPing: () => void,
    private readonly onPingTimeout: () => void,
  ) {}

  /** CONNACK accepted: keep-alive messages from now on. */
  start(): void {
    this.running = true;
    this.waitingForPingResp = false;
    this.arm(this.intervalMs);
  }

  stop(): void {
    this.running = false;
    this.waitingForPingResp = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Anything sent postpones the next keep-alive (`prvSendData` resets the timestamp). */
  sent(): void {
    if (this.running) this.arm(this.intervalMs);
  }

  pingResp(): void {
    // An unexpected PINGRESP is ignored.
    if (!this.running || !this.waitingForPingResp) return;
    this.waitingForPingResp = false;
    this.arm(this.intervalMs);
  }

  private arm(ms: number): void {
    this.timer?.cancel();
    this.timer = this.clock.setTimeout(() => this.due(), ms);
  }

  private due(): void {
    this.timer = undefined;
    if (!this.running) return;
    if (this.waitingForPingResp) {
      this.waitingForPingResp = false;
      this.onPingTimeout();
      if (!this.running) return;
    }
    this.sendPing();
    this.waitingForPingResp = true;
    this.arm(this.timeoutMs);
  }
}
