export {
  durationMs,
  loadScenario,
  parseScenario,
  ScenarioInvalidError,
  shareFraction,
  type LoadedScenario,
  type ScenarioProblem,
} from './load.js';
export { expectationLine, reportHtml } from './report.js';
export { runScenario, type GroupReport, type ScenarioReport, type ScenarioRunOptions } from './run.js';
export {
  Scenario,
  scenarioJsonSchema,
  type ScenarioAction,
  type ScenarioExpectation,
  type ScenarioFile,
  type ScenarioGroup,
  type ScenarioInput,
  type ScenarioStep,
} from './schema.js';
export { type ScenarioEvent, type StepContext, type StepRecord } from './context.js';
export { chooseTargets } from './targets.js';
export { type DeviceOutcome, type ExpectationResult, type StepOutcomes } from './verdict.js';
