import { TypedEmitter } from './events.js';
import { trace } from './trace.js';

export type StateMachineEvents<S extends string> = {
  state: [to: S, from: S];
};

/**
 * A named lifecycle (functional mode, registration, PDN, socket, MQTT connection, FOTA job, boot).
 * Every change goes through {@link transition}, which checks the table of legal moves, emits `state`
 * and publishes on the `nrf91sim:state` trace channel.
 */
export class StateMachine<S extends string> extends TypedEmitter<StateMachineEvents<S>> {
  private current: S;

  constructor(
    readonly machine: string,
    initial: S,
    private readonly legal: Readonly<Record<S, readonly S[]>>,
    private readonly owner = '',
  ) {
    super();
    this.current = initial;
  }

  get state(): S {
    return this.current;
  }

  is(...states: S[]): boolean {
    return states.includes(this.current);
  }

  canTransition(to: S): boolean {
    return this.legal[this.current].includes(to);
  }

  /** Moves to `to`; a move the table does not allow is a programming error and throws. */
  transition(to: S): void {
    if (to === this.current) return;
    if (!this.canTransition(to)) {
      throw new Error(`${this.machine}: illegal transition ${this.current} -> ${to}`);
    }
    const from = this.current;
    this.current = to;
    trace('state', { device: this.owner, machine: this.machine, from, to });
    this.emit('state', to, from);
  }
}
