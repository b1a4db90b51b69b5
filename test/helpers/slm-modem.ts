import { VirtualClock } from '../../core/clock.js';
import { SerialLteModem } from '../../firmware/apps/serial-lte-modem/index.js';
import type { SlmConfig } from '../../firmware/apps/serial-lte-modem/index.js';
import { Modem, type ModemOptions } from '../../modem/modem.js';
import { createMemoryPair, type MemoryTransport } from '../../modem/transport/memory.js';

export interface SlmModemOptions extends Omit<ModemOptions, 'clock'> {
  /** The SLM image's settings (data-mode timing, customer version). */
  slm?: Partial<SlmConfig>;
  /** What `#XRESET` does (the device resets); nothing by default. */
  reboot?: () => void;
}

/**
 * A modem on an in-memory UART served by the Serial LTE Modem application, on a virtual clock:
 * `raw()` sends bytes as the host MCU would and `until()` waits for the UART output to contain a
 * string; `cmd()` resolves with exactly the bytes of one response.
 */
export function slmModem(options: SlmModemOptions = {}): {
  modem: Modem;
  slm: SerialLteModem;
  clock: VirtualClock;
  host: MemoryTransport;
  output: () => string;
  clear: () => void;
  raw: (bytes: string | Buffer) => void;
  until: (needle: string | RegExp, limitMs?: number, from?: number) => Promise<string>;
  cmd: (line: string) => Promise<string>;
} {
  const { slm: config, reboot, ...modemOptions } = options;
  const clock = new VirtualClock();
  const modem = new Modem({ clock, ...modemOptions });
  const { device, host } = createMemoryPair();
  const slm = new SerialLteModem(modem, {
    serial: device,
    ...(config ? { config } : {}),
    ...(reboot ? { reboot } : {}),
  });
  let out = '';
  host.on('data', (chunk) => (out += chunk.toString('latin1')));
  const until = async (needle: string | RegExp, limitMs = 2000, from = 0): Promise<string> => {
    const started = performance.now();
    for (;;) {
      const seen = out.slice(from);
      if (typeof needle === 'string' ? seen.includes(needle) : needle.test(seen)) return out;
      if (performance.now() - started > limitMs)
        throw new Error(`timed out waiting for ${String(needle)}; got ${JSON.stringify(out)}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  const raw = (bytes: string | Buffer): void =>
    host.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  return {
    modem,
    slm,
    clock,
    host,
    output: () => out,
    clear: () => (out = ''),
    raw,
    until,
    cmd: async (line: string) => {
      const start = out.length;
      raw(`${line}\r\n`);
      await until(/(^|\n)(OK|ERROR|\+CME ERROR: \d+)\r\n/, 2000, start);
      return out.slice(start);
    },
  };
}
