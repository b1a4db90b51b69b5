import { MqttClient, type IClientOptions, type Timer } from 'mqtt';
import type { DeviceModem } from '../../modem/device-modem.js';
import { mqttKeepAlive } from '../../modem/sockets/interval-timer.js';
import { ModemSocketStream, type ModemStreamOptions } from '../../modem/sockets/socket-stream.js';
import { splitTlsSocketOptions, type TlsSocketOptions } from '../../modem/sockets/tls-socket-options.js';
import { tracedStreamBuilder } from './mqtt-trace.js';

/**
 * Where and how the device reaches its broker, in modem terms (the NCS `mqtt_sec_config`): the
 * {@link TlsSocketOptions}, where a non-empty `secTags` (CA, client certificate and key) means MQTT
 * over TLS.
 */
export interface ModemMqttTransport extends Partial<TlsSocketOptions> {
  /** Broker host name (resolved by the modem's DNS) or address. */
  host: string;
  port: number;
  family?: ModemStreamOptions['family'];
  /** TLS_HOSTNAME; the host name by default (SNI, and the name the certificate must carry). */
  hostname?: string | null;
}

/**
 * An mqtt.js stream builder that opens a modem socket for every connection attempt, so MQTT runs
 * over the modem's TLS, DNS and link like the NCS MQTT library over nrf_modem sockets, never over
 * node:net or node:tls directly.
 */
export function modemStreamBuilder(
  modem: DeviceModem,
  transport: ModemMqttTransport,
): () => ModemSocketStream {
  return () => new ModemSocketStream(modem.sockets, transport);
}

export type ModemMqttClientOptions = ModemMqttTransport &
  Omit<IClientOptions, 'host' | 'hostname' | 'port' | 'protocol' | 'servers' | 'timerVariant'>;

/**
 * An mqtt.js client whose connection is a modem socket. Keep-alive runs on the modem's clock (on
 * accelerated device time CONNECT announces it in wall time, see `mqttKeepAlive`); MQTT 3.1.1 and no
 * automatic reconnect unless asked for (the NCS libraries reconnect themselves).
 */
export function createModemMqttClient(modem: DeviceModem, options: ModemMqttClientOptions): MqttClient {
  const { host, port, family, ...rest } = options;
  const { tls, rest: mqttOptions } = splitTlsSocketOptions(rest);
  const transport: ModemMqttTransport = { host, port, ...(family !== undefined ? { family } : {}), ...tls };
  const build = tracedStreamBuilder(modemStreamBuilder(modem, transport), modem.name, transport);
  const keepAlive = mqttKeepAlive(modem.clock, mqttOptions.keepalive ?? 60);
  return new MqttClient(build, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    ...mqttOptions,
    keepalive: keepAlive.keepalive,
    timerVariant: keepAlive.timerVariant as unknown as Timer,
  });
}
