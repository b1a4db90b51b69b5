import { AppRegistry } from '../app-registry.js';
import { startAtClient } from './at-client.js';
import { startAwsFotaApp } from './aws-fota-app.js';
import { startAwsIotApp } from './aws-iot-app.js';
import { startSerialLteModem } from './serial-lte-modem/index.js';

/** The sample applications the simulator ships, by the names NCS gives them. */
export function builtInApps(): AppRegistry {
  return new AppRegistry()
    .register('at_client', startAtClient)
    .register('aws_fota', startAwsFotaApp)
    .register('aws_iot', startAwsIotApp)
    .register('serial_lte_modem', startSerialLteModem);
}
