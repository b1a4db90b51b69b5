export {
  createModemMqttClient,
  type ModemMqttClientOptions,
  type ModemMqttTransport,
  modemStreamBuilder,
} from './mqtt-transport.js';
