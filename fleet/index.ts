export { consoleRegistrar, fleetBroker, prepareFleetCa, type FleetBroker } from './broker.js';
export {
  ensureNoFleet,
  fleetControlFile,
  FleetControlServer,
  sendFleetRequest,
  type FleetRequest,
} from './control.js';
export { DeviceHost, type HostContext } from './device-host.js';
export type {
  DevicePhase,
  FromWorker,
  ThingRegistration,
  ToWorker,
  WorkerInit,
  WorkerMetrics,
} from './messages.js';
export {
  FleetRunner,
  type FleetRunnerEvents,
  type FleetRunnerOptions,
  type ThingRegistrar,
} from './runner.js';
export {
  FLEET_APPS,
  FLEET_SEC_TAG,
  startFleet,
  type FleetApp,
  type FleetSession,
  type FleetSessionOptions,
} from './session.js';
export {
  fleetImei,
  fleetSpecs,
  parseDeviceSpec,
  serializeDeviceSpec,
  specProfile,
  type CredentialRecipe,
  type DeviceSpec,
  type FleetSpecOptions,
  type ImageSpec,
} from './spec.js';
export {
  FleetStats,
  percentile,
  type DeviceRecord,
  type FleetSummary,
  type Percentiles,
  type WorkerStatus,
} from './stats.js';
export { FleetWorker, fleetCaDir } from './worker.js';
export {
  nodeWorkers,
  type WorkerKind,
  type WorkerLink,
  type WorkerLinkEvents,
  type WorkerSpawner,
} from './worker-link.js';
