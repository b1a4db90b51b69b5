import type { AtHost } from './host.js';

export type AtNotificationHandler = (notification: string) => void;

/**
 * An NCS `at_monitor` for code on the device: the handler gets every notification (URC) that contains
 * `filter` (or every one when `filter` is undefined, `ANY` in C). Monitors can be paused and resumed.
 */
export class AtMonitor {
  private paused = false;
  private removed = false;
  private readonly listener = (line: string): void => {
    if (this.paused || this.removed) return;
    if (this.filter !== undefined && !line.includes(this.filter)) return;
    this.handler(line);
  };

  constructor(
    private readonly modem: AtHost,
    readonly filter: string | undefined,
    private readonly handler: AtNotificationHandler,
  ) {
    modem.on('urc', this.listener);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  remove(): void {
    this.removed = true;
    this.modem.off('urc', this.listener);
  }
}
