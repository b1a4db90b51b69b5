export { readJsonFile, writeFileAtomic, writeJsonAtomic } from './atomic-file.js';
export { type Clock, systemClock, SystemClock, type TimerHandle, VirtualClock } from './clock.js';
export { secureRandomBytes } from './secure-random.js';
export { ScaledClock } from './scaled-clock.js';
export { ErrorCode, isSimError, SimError } from './errors.js';
export { type EventMap, TypedEmitter } from './events.js';
export { Random } from './random.js';
export { StateMachine, type StateMachineEvents } from './state-machine.js';
export {
  trace,
  type TraceAddress,
  type TraceChannelName,
  traceChannels,
  type TraceMessages,
  tracing,
} from './trace.js';
export {
  isLinkPresetName,
  Link,
  LINK_PRESET_NAMES,
  LINK_PRESETS,
  type LinkDirection,
  type LinkEvents,
  LinkFlow,
  type LinkPresetName,
  type LinkProfile,
} from './link.js';
export { makeDirectory, prepareStateDir } from './state-dir.js';
