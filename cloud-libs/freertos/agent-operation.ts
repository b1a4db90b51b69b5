import type { Clock, TimerHandle } from '../../core/clock.js';
import type { MQTTAgentReturnCode } from './return-codes.js';

export type OperationKind = 'connect' | 'disconnect' | 'subscribe' | 'unsubscribe' | 'publish';

/**
 * Where an operation is: waiting for room in the command queue, queued for the MQTT task, being
 * carried out, sent and waiting for its acknowledgement, or finished.
 */
export type OperationStage = 'waiting-room' | 'queued' | 'running' | 'awaiting-ack' | 'done';

/**
 * One API call on its way through the agent (`MQTTEventData_t` with the caller's notification):
 * it finishes once, with the first of its acknowledgement, a failure, or its deadline.
 */
export class AgentOperation {
  stage: OperationStage = 'queued';
  /** The packet identifier its acknowledgement will carry. */
  packetId: number | undefined;
  /** The topic filter of a subscribe or unsubscribe. */
  topic: string | undefined;
  /** Undoes what the operation left behind when it times out (a stored subscription). */
  onTimeout: (() => void) | undefined;
  /** What the MQTT task does with it when its turn comes. */
  execute: (op: AgentOperation) => Promise<void> | void = () => undefined;
  readonly result: Promise<MQTTAgentReturnCode>;
  private resolve!: (code: MQTTAgentReturnCode) => void;
  private readonly timer: TimerHandle;

  constructor(
    readonly kind: OperationKind,
    clock: Clock,
    timeoutMs: number,
    /** What the deadline means at a given stage (connect has its own rules). */
    private readonly onDeadline: (op: AgentOperation) => void,
  ) {
    this.result = new Promise((resolve) => (this.resolve = resolve));
    this.timer = clock.setTimeout(() => this.onDeadline(this), Math.max(0, timeoutMs));
  }

  get done(): boolean {
    return this.stage === 'done';
  }

  /** Finishes with `code`; false when it had finished already. */
  finish(code: MQTTAgentReturnCode): boolean {
    if (this.stage === 'done') return false;
    this.stage = 'done';
    this.timer.cancel();
    this.resolve(code);
    return true;
  }
}

/**
 * The command queue between application calls and the MQTT task (`xCommandQueue`), `length` deep.
 * A call finding it full waits for room until its deadline (`xQueueSendToBack` with the call's
 * timeout) and then fails.
 */
export class CommandQueue {
  private readonly queue: AgentOperation[] = [];
  private readonly waiting: AgentOperation[] = [];

  constructor(private readonly length: number) {}

  push(op: AgentOperation): void {
    if (this.queue.length < this.length) {
      op.stage = 'queued';
      this.queue.push(op);
    } else {
      op.stage = 'waiting-room';
      this.waiting.push(op);
    }
  }

  /** The next operation still wanted (ones that finished while queued were cancelled). */
  shift(): AgentOperation | undefined {
    for (;;) {
      const op = this.queue.shift();
      this.admit();
      if (!op || !op.done) return op;
    }
  }

  /** Finishes every queued and waiting operation with `code` (the agent was deleted). */
  drain(code: MQTTAgentReturnCode): void {
    for (const op of [...this.queue.splice(0), ...this.waiting.splice(0)]) op.finish(code);
  }

  private admit(): void {
    while (this.queue.length < this.length) {
      const next = this.waiting.shift();
      if (!next) return;
      if (next.done) continue;
      next.stage = 'queued';
      this.queue.push(next);
    }
  }
}
