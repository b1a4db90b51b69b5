import { VirtualClock } from '../../core/clock.js';
import { Modem, type ModemOptions } from '../../modem/modem.js';
import { createMemoryPair, type MemoryTransport } from '../../modem/transport/memory.js';

/**
 * A modem on an in-memory link with a virtual clock: `raw()` sends bytes as a serial client would and
 * `until()` waits for the modem's output to contain a string.
 */
export function memoryModem(options: Omit<ModemOptions, 'clock'> = {}): {
  modem: Modem;
  clock: VirtualClock;
  host: MemoryTransport;
  output: () => string;
  clear: () => void;
  raw: (bytes: string | Buffer) => void;
  until: (needle: string | RegExp, limitMs?: number, from?: number) => Promise<string>;
  cmd: (line: string) => Promise<string>;
} {
  const clock = new VirtualClock();
  const modem = new Modem({ clock, ...options });
  const { device, host } = createMemoryPair();
  modem.attach(device);
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
    clock,
    host,
    output: () => out,
    clear: () => (out = ''),
    raw,
    until,
    /** Sends one command line and resolves with exactly the bytes of its response. */
    cmd: async (line: string) => {
      const start = out.length;
      raw(`${line}\r\n`);
      await until(/(^|\n)(OK|ERROR|\+CME ERROR: \d+)\r\n/, 2000, start);
      return out.slice(start);
    },
  };
}
