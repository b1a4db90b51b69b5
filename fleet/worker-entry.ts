/**
 * The entry point of a fleet worker: a child process (`child_process.fork`) or a worker thread,
 * talking to the runner with {@link ToWorker} / {@link FromWorker} messages. As a process entry
 * point it is where the worker's clock comes from.
 */
import { parentPort } from 'node:worker_threads';
import { systemClock } from '../core/clock.js';
import type { FromWorker, ToWorker } from './messages.js';
import { FleetWorker } from './worker.js';

function start(): void {
  const port = parentPort;
  if (port) {
    const worker = new FleetWorker((m) => port.postMessage(m), systemClock);
    port.on('message', (m: ToWorker) => void dispatch(worker, m));
    return;
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('a fleet worker runs under a fleet runner (no IPC channel)');
  const worker = new FleetWorker((m: FromWorker) => {
    if (process.connected) send(m);
  }, systemClock);
  process.on('message', (m: ToWorker) => void dispatch(worker, m));
  // Ctrl-C in a terminal reaches the whole process group: the runner stops the worker itself.
  process.on('SIGINT', () => undefined);
  // The runner went away: nothing is left to report to.
  process.on('disconnect', () => void worker.stop().finally(() => process.exit(0)));
}

async function dispatch(worker: FleetWorker, message: ToWorker): Promise<void> {
  await worker.handle(message);
  if (message.type === 'stop') {
    // Give the last messages time to leave, then end (the runner waits for the exit).
    if (parentPort) parentPort.close();
    else process.disconnect?.();
  }
}

start();
