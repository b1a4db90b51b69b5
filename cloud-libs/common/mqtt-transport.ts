import { MqttClient, type IClientOptions, type Timer } from 'mqtt';
import type { DeviceModem } from '../../modem/device-modem.js';
import { clockIntervalTimer } from '../../modem/sockets/interval-timer.js';
import { ModemSocketStream, type ModemStreamOptions } from '../../modem/sockets/socket-stream.js';

/** Where and how the device reaches its broker, in modem terms (the NCS `mqtt_sec_config`). */
export interface ModemMqttTransport {
  /** Broker host name (resolved by the modem's DNS) or address. */
  host: string;
  port: number;
  family?: ModemStreamOptions['family'];
  /** Sec tags with the CA, client certificate and key: a non-empty list means MQTT over TLS. */
  secTags?: readonly number[];
  /** TLS_HOSTNAME; the host name by default (SNI, and the name the certificate must carry). */
  hostname?: string | null;
  /** TLS_PEER_VERIFY, 2 (required) by default, as aws_iot and nrf_cloud set it. */
  peerVerify?: 0 | 1 | 2;
  /** TLS_SESSION_CACHE: resume the TLS session when the client reconnects. */
  sessionCache?: boolean;
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
  return () =>
    new ModemSocketStream(modem.sockets, {
      host: transport.host,
      port: transport.port,
      ...(transport.family !== undefined ? { family: transport.family } : {}),
      ...(transport.secTags ? { secTags: transport.secTags } : {}),
      ...(transport.hostname !== undefined ? { hostname: transport.hostname } : {}),
      ...(transport.peerVerify !== undefined ? { peerVerify: transport.peerVerify } : {}),
      ...(transport.sessionCache ? { sessionCache: true } : {}),
    });
}

export type ModemMqttClientOptions = ModemMqttTransport &
  Omit<IClientOptions, 'host' | 'hostname' | 'port' | 'protocol' | 'servers' | 'timerVariant'>;

/**
 * An mqtt.js client whose connection is a modem socket. Keep-alive runs on the modem's clock; MQTT
 * 3.1.1 and no automatic reconnect unless asked for (the NCS libraries reconnect themselves).
 */
export function createModemMqttClient(modem: DeviceModem, options: ModemMqttClientOptions): MqttClient {
  const { host, port, family, secTags, hostname, peerVerify, sessionCache, ...mqttOptions } = options;
  const transport: ModemMqttTransport = {
    host,
    port,
    ...(family !== undefined ? { family } : {}),
    ...(secTags ? { secTags } : {}),
    ...(hostname !== undefined ? { hostname } : {}),
    ...(peerVerify !== undefined ? { peerVerify } : {}),
    ...(sessionCache ? { sessionCache } : {}),
  };
  return new MqttClient(modemStreamBuilder(modem, transport), {
    protocolVersion: 4,
    reconnectPeriod: 0,
    ...mqttOptions,
    timerVariant: clockIntervalTimer(modem.clock) as unknown as Timer,
  });
}
