import diagnostics from 'node:diagnostics_channel';

/**
 * Named diagnostics channels (`nrf91sim:*`). Publishing costs nothing when nobody subscribes; a test
 * or a tool subscribes with `diagnostics_channel.subscribe('nrf91sim:at', fn)`.
 */
export const traceChannels = {
  /** AT traffic: `{ device, direction: 'cmd' | 'rsp' | 'urc', line }`. */
  at: diagnostics.channel('nrf91sim:at'),
  /** State machine transitions: `{ device, machine, from, to }`. */
  state: diagnostics.channel('nrf91sim:state'),
  /** Transport lifecycle: `{ transport, event, detail }`. */
  transport: diagnostics.channel('nrf91sim:transport'),
} as const;

export type TraceChannelName = keyof typeof traceChannels;

export function trace(name: TraceChannelName, message: object): void {
  const channel = traceChannels[name];
  if (channel.hasSubscribers) channel.publish(message);
}
