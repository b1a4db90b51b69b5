import { fork } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { TypedEmitter } from '../core/events.js';
import type { FromWorker, ToWorker } from './messages.js';

export type WorkerKind = 'process' | 'thread';

export type WorkerLinkEvents = {
  message: [message: FromWorker];
  /** The worker ended: `code` (process exit code) or `signal`; `stderr` holds its last output. */
  exit: [code: number | null, signal: string | null, stderr: string];
};

/** The runner's end of one worker. */
export interface WorkerLink extends Pick<TypedEmitter<WorkerLinkEvents>, 'on' | 'once' | 'off'> {
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  /** Ends the worker at once (SIGKILL for a process). */
  kill(): void;
}

/** Starts workers; tests give the runner one that makes in-memory workers. */
export type WorkerSpawner = (index: number) => WorkerLink;

const ENTRY = new URL('./worker-entry.js', import.meta.url);
const STDERR_TAIL = 2000;

/** Running from TypeScript sources (tests): the worker needs the same loader. */
function entry(): { url: URL; execArgv: string[] } {
  if (import.meta.url.endsWith('.ts')) {
    return { url: new URL('./worker-entry.ts', import.meta.url), execArgv: ['--import', 'tsx'] };
  }
  return { url: ENTRY, execArgv: [] };
}

class ProcessLink extends TypedEmitter<WorkerLinkEvents> implements WorkerLink {
  private readonly child;
  private stderr = '';

  constructor(execArgv: string[]) {
    super();
    const { url, execArgv: loader } = entry();
    this.child = fork(url, [], {
      execArgv: [...loader, ...execArgv],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      // Thousands of devices write their files (each write fsync'd) through libuv's pool: more than
      // its default 4 threads keeps a slow disk from queueing every boot behind a few fsyncs.
      env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' },
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-STDERR_TAIL);
    });
    this.child.on('message', (m) => this.emit('message', m as FromWorker));
    this.child.on('exit', (code, signal) => this.emit('exit', code, signal, this.stderr));
    // A send to a worker that just died fails; its exit is reported instead.
    this.child.on('error', () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: ToWorker): void {
    if (this.child.connected) this.child.send(message);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

class ThreadLink extends TypedEmitter<WorkerLinkEvents> implements WorkerLink {
  private readonly worker: Worker;
  private stderr = '';

  constructor(execArgv: string[]) {
    super();
    const { url, execArgv: loader } = entry();
    this.worker = new Worker(url, { execArgv: [...loader, ...execArgv], stderr: true, stdout: true });
    this.worker.stdout.resume();
    this.worker.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-STDERR_TAIL);
    });
    this.worker.on('message', (m) => this.emit('message', m as FromWorker));
    this.worker.on('error', (err) => {
      this.stderr = (this.stderr + String(err.stack ?? err)).slice(-STDERR_TAIL);
    });
    this.worker.on('exit', (code) => this.emit('exit', code, null, this.stderr));
  }

  get pid(): number | undefined {
    return process.pid;
  }

  send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  kill(): void {
    void this.worker.terminate();
  }
}

/** Workers as child processes (`node:child_process`) or threads (`node:worker_threads`). */
export function nodeWorkers(kind: WorkerKind, execArgv: string[] = []): WorkerSpawner {
  return () => (kind === 'process' ? new ProcessLink(execArgv) : new ThreadLink(execArgv));
}
