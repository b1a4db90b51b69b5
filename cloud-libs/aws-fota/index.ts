export {
  AwsFota,
  type AwsFotaCallback,
  type AwsFotaEvt,
  type AwsFotaJob,
  type AwsFotaOptions,
  type AwsFotaState,
  parseJobExecution,
} from './aws-fota.js';
