import type { FlashStorage } from './flash.js';

/** Where the settings live in the device's flash (Zephyr's settings partition). */
const AREA = 'settings.json';

/**
 * Zephyr's settings subsystem over the device's flash: small string values by key
 * (`nrf_cloud/p_sesh`, `nrf_cloud/fota/job`) that survive resets and power cuts. One stored area,
 * replaced atomically on every save, so a power cut leaves the old or the new values.
 */
export class FlashSettings {
  private values: Record<string, string> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly storage: FlashStorage) {}

  async load(key: string): Promise<string | undefined> {
    return (await this.all())[key];
  }

  /** Saves `value` under `key`; undefined deletes it. */
  save(key: string, value: string | undefined): Promise<void> {
    const run = this.queue.then(async () => {
      const values = { ...(await this.all()) };
      if (value === undefined) delete values[key];
      else values[key] = value;
      await this.storage.store(AREA, Buffer.from(`${JSON.stringify(values)}\n`));
      this.values = values;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async all(): Promise<Record<string, string>> {
    if (this.values) return this.values;
    const raw = await this.storage.load(AREA);
    let parsed: unknown = {};
    try {
      parsed = raw ? JSON.parse(raw.toString('utf8')) : {};
    } catch {
      // A settings area that does not parse reads as empty, as Zephyr skips corrupt records.
    }
    this.values =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'string'))
        : {};
    return this.values;
  }
}
