import { AppRegistry } from '../app-registry.js';
import { startAtClient } from './at-client.js';
import { startAwsFotaApp } from './aws-fota-app.js';
import { startAwsIotApp } from './aws-iot-app.js';
import { startCloudClientApp } from './cloud-client-app.js';
import { startFreeRtosShadowApp } from './freertos-shadow-app.js';
import { startNrfCloudApp } from './nrf-cloud-app.js';
import { startSerialLteModem } from './serial-lte-modem/index.js';

/**
 * The sample applications the simulator ships, by the names NCS gives them, with what each prints
 * on the UART when it starts (at_client's main.c, the aws_iot and aws_fota samples' first printk,
 * the SLM's `Ready`).
 */
export function builtInApps(): AppRegistry {
  return new AppRegistry()
    .register('at_client', {
      start: startAtClient,
      readyLines: () => ['The AT host sample started', 'Ready'],
    })
    .register('aws_fota', {
      start: startAwsFotaApp,
      readyLines: (m) => [`MQTT AWS Jobs FOTA Sample, version: v${m.version}`],
    })
    .register('aws_iot', {
      start: startAwsIotApp,
      readyLines: (m) => [`The AWS IoT sample started, version: v${m.version}`],
    })
    .register('cloud_client', {
      start: startCloudClientApp,
      readyLines: (m) => [`Cloud client has started, version: v${m.version}`],
    })
    .register('freertos_shadow', {
      start: startFreeRtosShadowApp,
      readyLines: (m) => [`FreeRTOS Device Shadow demo, version: v${m.version}`],
    })
    .register('nrf_cloud', {
      start: startNrfCloudApp,
      readyLines: (m) => [`nRF Cloud sample started, version: v${m.version}`],
    })
    .register('serial_lte_modem', {
      start: startSerialLteModem,
      // slm_uart_handler_init() writes its sync string; the SLM's console is on RTT.
      readyLines: () => ['Ready'],
      consoleOnUart: false,
    });
}
