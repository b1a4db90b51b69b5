import type { AwsIotConfig } from '../aws-iot/index.js';
import type { NrfCloudConfig } from '../nrf-cloud/index.js';
import { AwsIotBackend } from './aws-iot-backend.js';
import type { CloudBackend, CloudBackendEnv } from './cloud.js';
import { NrfCloudBackend } from './nrf-cloud-backend.js';

/** The backends' configurations (each cloud's Kconfig), beside the modem. */
export interface CloudBindingEnv extends CloudBackendEnv {
  nrfCloud?: NrfCloudConfig;
  awsIot?: AwsIotConfig;
}

/** The backend names `CLOUD_BACKEND_DEFINE` registers. */
export type CloudBackendName = 'NRF_CLOUD' | 'AWS_IOT';

/**
 * `cloud_get_binding`: the backend registered under `name`, built for this device; undefined for a
 * name no backend has, or a backend whose configuration is missing (as if its Kconfig were off).
 */
export function cloudGetBinding(name: string, env: CloudBindingEnv): CloudBackend | undefined {
  if (name === 'NRF_CLOUD') return new NrfCloudBackend(env.modem, env.nrfCloud ?? {});
  if (name === 'AWS_IOT') return env.awsIot ? new AwsIotBackend(env.modem, env.awsIot) : undefined;
  return undefined;
}
