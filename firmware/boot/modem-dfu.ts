import { isSimError } from '../../core/errors.js';
import { parseModemDelta } from '../image/modem-delta.js';
import type { FlashStorage } from './flash.js';

/** `NRF_MODEM_DFU_RESULT_*` the modem library reports at init after a scheduled update. */
export type ModemDfuResult = 'ok' | 'uuid-error' | 'auth-error' | 'internal-error';

export interface ModemDfuOutcome {
  result: ModemDfuResult;
  /** Modem firmware before and after the attempt (equal unless `ok`). */
  from: string;
  to: string;
  message: string;
}

interface ScratchState {
  scheduled: boolean;
}

const DELTA = 'modem_delta';
const STATE = 'modem_dfu.json';

/**
 * The modem's delta-update scratch area (`dfu_target_modem_delta`): the application streams the
 * delta in, schedules it, and the modem applies it on the next boot, changing its firmware version.
 */
export class ModemDfu {
  private constructor(
    private readonly storage: FlashStorage,
    private data: Buffer,
    private state: ScratchState,
  ) {}

  static async open(storage: FlashStorage): Promise<ModemDfu> {
    const data = (await storage.load(DELTA)) ?? Buffer.alloc(0);
    const raw = await storage.load(STATE);
    const state = raw ? (JSON.parse(raw.toString('utf8')) as ScratchState) : { scheduled: false };
    return new ModemDfu(storage, data, state);
  }

  /** Bytes of the delta received so far (`dfu_target_offset_get`). */
  get offset(): number {
    return this.data.length;
  }

  get scheduled(): boolean {
    return this.state.scheduled;
  }

  /** Clears the scratch area (`nrf_modem_delta_dfu_erase`). */
  async erase(): Promise<void> {
    this.data = Buffer.alloc(0);
    await this.storage.store(DELTA, this.data);
    await this.setState({ scheduled: false });
  }

  /** Appends a fragment (`nrf_modem_delta_dfu_write`). */
  async write(chunk: Uint8Array): Promise<void> {
    this.data = Buffer.concat([this.data, chunk]);
    await this.storage.store(DELTA, this.data);
  }

  /** Schedules the received delta for the next boot (`nrf_modem_delta_dfu_update`). */
  async schedule(): Promise<void> {
    await this.setState({ scheduled: true });
  }

  /**
   * Runs at modem init after a reset: applies a scheduled delta to `current` and reports the result
   * as `nrf_modem_lib_init()` does; undefined when nothing was scheduled.
   */
  async applyAtBoot(current: string): Promise<ModemDfuOutcome | undefined> {
    if (!this.state.scheduled) return undefined;
    let outcome: ModemDfuOutcome;
    try {
      const delta = parseModemDelta(this.data);
      if (delta.from !== null && delta.from !== current) {
        outcome = {
          result: 'uuid-error',
          from: current,
          to: current,
          message: `the delta applies to ${delta.from}, the modem runs ${current}`,
        };
      } else {
        outcome = {
          result: 'ok',
          from: current,
          to: delta.to,
          message: `modem firmware updated to ${delta.to}`,
        };
      }
    } catch (err) {
      if (!isSimError(err)) throw err;
      outcome = { result: 'auth-error', from: current, to: current, message: err.message };
    }
    await this.setState({ scheduled: false });
    return outcome;
  }

  private async setState(state: ScratchState): Promise<void> {
    this.state = state;
    await this.storage.store(STATE, Buffer.from(`${JSON.stringify(state)}\n`));
  }
}
