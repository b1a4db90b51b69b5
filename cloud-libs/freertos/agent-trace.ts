import { trace, tracing } from '../../core/trace.js';

/**
 * The agent's packets on the `nrf91sim:mqtt:*` channels, as every MQTT client over the modem
 * publishes them (docs/tracing.md). Nothing is built while nobody listens.
 */
export class AgentTrace {
  clientId = '';

  constructor(private readonly device: string) {}

  connect(host: string, port: number, secure: boolean, keepalive: number): void {
    if (!tracing('mqtt:connect')) return;
    const { device, clientId } = this;
    trace('mqtt:connect', { device, clientId, host, port, secure, clean: true, keepalive });
  }

  connack(returnCode: number, sessionPresent: boolean): void {
    if (tracing('mqtt:connack'))
      trace('mqtt:connack', { device: this.device, clientId: this.clientId, sessionPresent, returnCode });
  }

  publish(direction: 'in' | 'out', topic: string, qos: number, bytes: number, retain: boolean): void {
    if (!tracing('mqtt:publish')) return;
    trace('mqtt:publish', {
      device: this.device,
      clientId: this.clientId,
      direction,
      topic,
      qos,
      bytes,
      retain,
    });
  }

  subscribe(topic: string, qos: number): void {
    if (tracing('mqtt:subscribe'))
      trace('mqtt:subscribe', { device: this.device, clientId: this.clientId, topics: [{ topic, qos }] });
  }

  close(): void {
    if (tracing('mqtt:close')) trace('mqtt:close', { device: this.device, clientId: this.clientId });
  }
}
