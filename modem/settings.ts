/**
 * Settings the modem only stores and reads back (nothing in the simulation depends on them): the SiP
 * pin configurations of `%XCOEX0` and `%XMAGPIO` and the trace selection of `%XMODEMTRACE`, each as
 * the numbers the command was given.
 */
export class ModemSettings {
  /** `%XCOEX0=<count>,<state>,<freqlo>,<freqhi>,…`; empty when deleted. */
  coex0: number[] = [];
  /** `%XMAGPIO=<gpio_0>,<gpio_1>,<gpio_2>,<num_ranges>,…`; empty when deleted. */
  magpio: number[] = [];
  /** `%XMODEMTRACE`: 0 off, or the predefined trace set 1-5 that is active. */
  modemTrace: { oper: 0 | 1 | 2; setId: number | undefined; bitmaps: Map<number, string> } = {
    oper: 0,
    setId: undefined,
    bitmaps: new Map(),
  };

  /** `%XFACTORYRESET`: everything back to factory values. */
  reset(): void {
    this.coex0 = [];
    this.magpio = [];
    this.modemTrace = { oper: 0, setId: undefined, bitmaps: new Map() };
  }
}
