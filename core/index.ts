// The public face of core/: time, randomness, errors, tracing, the link model. The package root re-exports
// these; code inside the layer and its tests import files directly. A name added here is public: list it in
// docs/api.md too.
export { type Clock, systemClock, type TimerHandle, VirtualClock } from './clock.js';
export { ScaledClock } from './scaled-clock.js';
export { ErrorCode, isSimError, SimError } from './errors.js';
export { Random } from './random.js';
export { StateMachine, type StateMachineEvents } from './state-machine.js';
export { type TraceAddress, type TraceChannelName, traceChannels, type TraceMessages } from './trace.js';
export {
  isLinkPresetName,
  LINK_PRESET_NAMES,
  LINK_PRESETS,
  type LinkDirection,
  type LinkPresetName,
  type LinkProfile,
} from './link.js';
