/** A DK button press or release: `button` 1–4 as the DK labels them. */
export type ButtonHandler = (button: number, pressed: boolean) => void;

/** The nRF9160 DK's buttons (`dk_buttons_init` on the application side). */
export interface DkButtons {
  /** Calls `handler` on every press and release until the returned function is called. */
  onChange(handler: ButtonHandler): () => void;
}

/** The buttons of one device: the backend face presses them, applications listen. */
export class DeviceButtons implements DkButtons {
  private readonly handlers = new Set<ButtonHandler>();

  onChange(handler: ButtonHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** A press and its release; a button the DK does not have (not 1–4) is refused. */
  press(button: number): void {
    if (!Number.isInteger(button) || button < 1 || button > 4) {
      throw new RangeError(`the nRF9160 DK has buttons 1 to 4, not ${button}`);
    }
    for (const pressed of [true, false]) for (const h of [...this.handlers]) h(button, pressed);
  }

  /** Applications of a power cycle that ended listen no more. */
  clear(): void {
    this.handlers.clear();
  }
}
