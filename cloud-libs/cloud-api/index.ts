export { AwsIotBackend, awsIotToCloudEvent } from './aws-iot-backend.js';
export { cloudGetBinding, type CloudBackendName, type CloudBindingEnv } from './bindings.js';
export {
  CloudConnectResult,
  CloudDisconnectReason,
  type CloudBackend,
  type CloudBackendEnv,
  type CloudEndpoint,
  type CloudEndpointType,
  type CloudEvent,
  type CloudEventType,
  type CloudEvtHandler,
  type CloudMsg,
  type CloudQos,
} from './cloud.js';
export { NrfCloudBackend, nrfCloudToCloudEvent } from './nrf-cloud-backend.js';
