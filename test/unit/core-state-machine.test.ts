import diagnostics from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { StateMachine } from '../../core/state-machine.js';
import { SimError, ErrorCode, isSimError } from '../../core/errors.js';

type S = 'idle' | 'connecting' | 'connected';

describe('StateMachine', () => {
  it('moves only along legal transitions, emits state events and traces them', () => {
    const m = new StateMachine<S>(
      'mqtt',
      'idle',
      {
        idle: ['connecting'],
        connecting: ['connected', 'idle'],
        connected: ['idle'],
      },
      'dev-1',
    );
    const seen: string[] = [];
    const traced: unknown[] = [];
    const onTrace = (msg: unknown): void => void traced.push(msg);
    diagnostics.subscribe('nrf91sim:state', onTrace);
    m.on('state', (to, from) => seen.push(`${from}->${to}`));
    m.transition('connecting');
    m.transition('connected');
    expect(() => m.transition('connecting')).toThrow(/illegal transition connected -> connecting/);
    diagnostics.unsubscribe('nrf91sim:state', onTrace);
    expect(seen).toEqual(['idle->connecting', 'connecting->connected']);
    expect(traced).toContainEqual({ device: 'dev-1', machine: 'mqtt', from: 'idle', to: 'connecting' });
    expect(m.state).toBe('connected');
  });
});

describe('SimError', () => {
  it('carries a stable code', () => {
    const e = new SimError(ErrorCode.PORT_IN_USE, 'busy');
    expect(e.code).toBe('NRF91SIM_PORT_IN_USE');
    expect(isSimError(e, ErrorCode.PORT_IN_USE)).toBe(true);
    expect(isSimError(new Error('x'))).toBe(false);
  });
});
