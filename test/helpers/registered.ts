import { VirtualClock } from '../../core/clock.js';
import type { Modem } from '../../modem/modem.js';

/**
 * Waits until the modem is registered with its default bearer up (after `AT+CFUN=1`). On a virtual
 * clock it moves time through the search and attach delays; on the system clock it just waits.
 */
export async function untilRegistered(modem: Modem): Promise<void> {
  if (modem.clock instanceof VirtualClock) {
    for (let i = 0; i < 100 && !modem.dataPath.up; i++) {
      if (!(await modem.clock.runNext())) break;
    }
  }
  await modem.dataPath.whenUp();
}
