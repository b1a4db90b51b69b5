import { systemClock } from '../core/clock.js';
/**
 * AT round-trip latency and throughput, in memory and over a real PTY (the `serialport` package as the
 * client, as a user's tool would be). Prints one JSON object.
 *
 *   npm run build:bench && node dist/bench/at-roundtrip.js [--count N]
 */
import { SerialPort } from 'serialport';
import { AtClient, duplexLink, emitterLink, type ByteLink } from '../modem/at/client.js';
import { Modem } from '../modem/modem.js';
import { createMemoryPair } from '../modem/transport/memory.js';
import { PtyTransport } from '../modem/transport/pty.js';

const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 20_000;
const COMMANDS = ['AT', 'AT+CGSN', 'AT+CGSN=1', 'AT+CFUN?', 'AT%XICCID'];

interface Result {
  commands: number;
  median_us: number;
  p99_us: number;
  /** One command at a time, each waiting for its final result. */
  commands_per_s: number;
  /** Batches of 100 command lines written at once, as a script pasting commands would. */
  pipelined_commands_per_s: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

/** Writes batches of command lines without waiting and counts final results on the raw byte stream. */
async function pipelined(link: ByteLink, count: number): Promise<number> {
  const batch = Buffer.from('AT+CGSN\r\n'.repeat(100), 'latin1');
  let finals = 0;
  let tail = '';
  let wake: (() => void) | undefined;
  const off = link.onData((chunk) => {
    const text = tail + chunk.toString('latin1');
    const parts = text.split('OK\r\n');
    finals += parts.length - 1;
    tail = (parts[parts.length - 1] as string).slice(-3);
    wake?.();
  });
  const started = performance.now();
  for (let sent = 0; sent < count; sent += 100) {
    link.write(batch);
    while (finals < sent + 100) await new Promise<void>((r) => (wake = r));
  }
  const elapsed = performance.now() - started;
  off();
  return Math.round(count / (elapsed / 1000));
}

async function measure(client: AtClient, count: number, link: ByteLink): Promise<Result> {
  for (let i = 0; i < 500; i++) await client.send(COMMANDS[i % COMMANDS.length] as string);
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const r = await client.send(COMMANDS[i % COMMANDS.length] as string);
    samples.push(performance.now() - t0);
    if (r.final !== 'OK') throw new Error(`unexpected ${r.final}`);
  }
  const elapsed = performance.now() - started;
  samples.sort((a, b) => a - b);
  return {
    commands: count,
    median_us: Math.round(percentile(samples, 0.5) * 1000),
    p99_us: Math.round(percentile(samples, 0.99) * 1000),
    commands_per_s: Math.round(count / (elapsed / 1000)),
    pipelined_commands_per_s: await pipelined(link, count),
  };
}

async function memory(): Promise<Result> {
  const modem = new Modem({ clock: systemClock, name: 'bench-mem' });
  await modem.channel().command('AT+CFUN=4');
  const { device, host } = createMemoryPair();
  modem.attach(device);
  const link = emitterLink(host);
  const client = new AtClient(link, { clock: systemClock });
  const result = await measure(client, COUNT, link);
  client.close();
  await modem.close();
  return result;
}

async function pty(): Promise<Result> {
  const modem = new Modem({ clock: systemClock, name: 'bench-pty' });
  await modem.channel().command('AT+CFUN=4');
  const transport = await PtyTransport.open();
  modem.attach(transport);
  const port = new SerialPort({ path: transport.ptyPath, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  const link = duplexLink(port);
  const client = new AtClient(link, { clock: systemClock });
  const result = await measure(client, COUNT, link);
  client.close();
  await new Promise<void>((res) => port.close(() => res()));
  await transport.close();
  await modem.close();
  return result;
}

const result = {
  bench: 'at-roundtrip',
  node: process.version,
  memory: await memory(),
  pty: await pty(),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
