import type { Clock } from '../../core/clock.js';
import { TypedEmitter } from '../../core/events.js';
import { wireKeepAliveSeconds } from '../../modem/sockets/interval-timer.js';
import type { StateMachine } from '../../core/state-machine.js';
import { agentConfig, checkTimeoutMs, type MqttAgentConfig } from './agent-config.js';
import { AgentConnection, type AgentTarget } from './agent-connection.js';
import { AgentOperation, CommandQueue, type OperationKind } from './agent-operation.js';
import {
  AWS_IOT_ALPN_MQTT,
  mqttagentREQUIRE_TLS,
  mqttagentURL_IS_IP_ADDRESS,
  mqttagentUSE_AWS_IOT_ALPN_443,
  type AgentModem,
  type MqttAgentConnectParams,
  type MqttAgentPublishParams,
  type MqttAgentSubscribeParams,
  type MqttAgentUnsubscribeParams,
} from './agent-types.js';
import type { MqttBufferHandle } from './buffer-pool.js';
import { MqttContext, type MqttAgentEvents, type MqttAgentState } from './mqtt-context.js';
import * as packets from './mqtt-packets.js';
import { inMqttTask } from './mqtt-task.js';
import type { MQTTAgentReturnCode } from './return-codes.js';

type Code = MQTTAgentReturnCode;

/** [MQTT-1.5.3] strings are at most 65535 bytes. */
const MAX_TOPIC_BYTES = 65_535;

/**
 * The Amazon FreeRTOS MQTT agent (aws_mqtt_agent.c, MQTT 3.1.1) on the modem's sockets. Calls are
 * commands queued for the MQTT task, which carries them out one by one; each resolves to the
 * original return code when its acknowledgement arrives, it fails, or its timeout (ms of the modem
 * clock) passes. The task sends keep-alives itself, and hands received publishes to the
 * subscription callbacks (exact filters first, then wildcards, until one takes the buffer) or else
 * to the connect callback, which also hears about disconnects.
 */
export class MqttAgent extends TypedEmitter<MqttAgentEvents> {
  readonly config: Readonly<MqttAgentConfig>;
  private readonly clock: Clock;
  private readonly sockets: AgentModem['sockets'];
  private readonly queue: CommandQueue;
  private readonly mqtt: MqttContext;
  private pumping = false;
  private connectAbort: AbortController | undefined;

  private constructor(modem: AgentModem, config: MqttAgentConfig) {
    super();
    this.config = config;
    this.clock = modem.clock;
    this.sockets = modem.sockets;
    this.queue = new CommandQueue(config.commandQueueLength);
    this.mqtt = new MqttContext(modem.name ?? '', modem.clock, config, (event, ...args) =>
      this.emit(event, ...args),
    );
  }

  /** `MQTT_AGENT_Create`: a client on `modem`, not connected. */
  static create(modem: AgentModem, config: Partial<MqttAgentConfig> = {}): MqttAgent {
    return new MqttAgent(modem, agentConfig(config));
  }

  /** The connection's lifecycle; its `state` event follows every change. */
  get machine(): StateMachine<MqttAgentState> {
    return this.mqtt.machine;
  }

  get state(): MqttAgentState {
    return this.mqtt.state;
  }

  /** Receive buffers held by the application (taken in a callback and not yet returned). */
  get buffersInUse(): number {
    return this.mqtt.pool.inUse;
  }

  /**
   * `MQTT_AGENT_Delete`: frees the client without disconnecting (call {@link disconnect} first);
   * an open socket is closed without a DISCONNECT, waiting calls fail, later ones fail at once.
   */
  delete(): Code {
    if (this.state === 'DELETED') return 'eMQTTAgentSuccess';
    this.connectAbort?.abort();
    this.mqtt.detach();
    this.mqtt.machine.transition('DELETED');
    this.queue.drain('eMQTTAgentFailure');
    this.mqtt.failAcks();
    return 'eMQTTAgentSuccess';
  }

  /**
   * `MQTT_AGENT_Connect`: resolves, opens the socket (TLS with the sec tags when
   * `mqttagentREQUIRE_TLS`; ALPN `x-amzn-mqtt-ca` to the default TLS port with
   * `mqttagentUSE_AWS_IOT_ALPN_443`; SNI unless `mqttagentURL_IS_IP_ADDRESS`), sends CONNECT and
   * waits for CONNACK. No CONNACK in time or a refusal ends the connection (the callback hears
   * eMQTTAgentDisconnect) and returns eMQTTAgentFailure, as the C library does; eMQTTAgentTimeout
   * only means the command waited in the queue past its time.
   */
  connect(params: MqttAgentConnectParams, timeoutMs: number): Promise<Code> {
    return this.submit('connect', timeoutMs, (op) => this.runConnect(op, params));
  }

  /**
   * `MQTT_AGENT_Disconnect`: sends DISCONNECT and closes the socket; the callback hears
   * eMQTTAgentDisconnect and calls still waiting for an acknowledgement fail. Success when not
   * connected.
   */
  disconnect(timeoutMs: number): Promise<Code> {
    return this.submit('disconnect', timeoutMs, (op) => this.runDisconnect(op));
  }

  /**
   * `MQTT_AGENT_Subscribe`: one filter per SUBSCRIBE, its callback stored before it is sent (so
   * publishes arriving before the SUBACK reach it) and removed when the broker refuses it or the
   * SUBACK does not come in time. QoS 2 is refused.
   */
  subscribe(params: MqttAgentSubscribeParams, timeoutMs: number): Promise<Code> {
    return this.submit('subscribe', timeoutMs, (op) => this.runSubscribe(op, params));
  }

  /** `MQTT_AGENT_Unsubscribe`: the filter's callback goes when the UNSUBACK arrives. */
  unsubscribe(params: MqttAgentUnsubscribeParams, timeoutMs: number): Promise<Code> {
    return this.submit('unsubscribe', timeoutMs, (op) => this.runUnsubscribe(op, params.topic));
  }

  /**
   * `MQTT_AGENT_Publish`: QoS 0 succeeds once written, QoS 1 with its PUBACK; QoS 2 is refused.
   * The data is copied when the call is made.
   */
  publish(params: MqttAgentPublishParams, timeoutMs: number): Promise<Code> {
    const data = Buffer.from(params.data);
    return this.submit('publish', timeoutMs, (op) => this.runPublish(op, params.topic, params.qos, data));
  }

  /** `MQTT_AGENT_ReturnBuffer`: gives back a buffer a callback took; Failure for one not held. */
  returnBuffer(buffer: MqttBufferHandle): Code {
    return this.mqtt.pool.give(buffer) ? 'eMQTTAgentSuccess' : 'eMQTTAgentFailure';
  }

  // ---- the MQTT task ----------------------------------------------------------------------

  /** `prvSendCommandToMQTTTask`. */
  private submit(
    kind: OperationKind,
    timeoutMs: number,
    run: (op: AgentOperation) => Promise<void>,
  ): Promise<Code> {
    checkTimeoutMs(`MQTT agent ${kind}`, timeoutMs);
    if (inMqttTask()) return Promise.resolve('eMQTTAgentAPICalledFromCallback');
    if (this.state === 'DELETED') return Promise.resolve('eMQTTAgentFailure');
    const op = new AgentOperation(kind, this.clock, timeoutMs, (o) => this.deadline(o));
    op.execute = run;
    this.queue.push(op);
    this.pump();
    return op.result;
  }

  /** `prvMQTTTask`: one command at a time. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      for (let op = this.queue.shift(); op; op = this.queue.shift()) {
        op.stage = 'running';
        try {
          await op.execute(op);
        } catch {
          this.mqtt.forget(op);
          op.finish('eMQTTAgentFailure');
        }
      }
      this.pumping = false;
    })();
  }

  /** An operation's time is up. */
  private deadline(op: AgentOperation): void {
    if (op.stage === 'waiting-room') {
      // xQueueSendToBack timed out: the command never reached the MQTT task.
      op.finish('eMQTTAgentFailure');
      return;
    }
    if (op.stage === 'queued' || op.kind !== 'connect') {
      // Picked up too late (never carried out), or its acknowledgement did not come in time.
      this.mqtt.forget(op);
      op.onTimeout?.();
      op.finish('eMQTTAgentTimeout');
      return;
    }
    // A CONNECT that timed out resets the connection (eMQTTDisconnectReasonConnectTimeout).
    if (this.mqtt.machine.is('CONNECTING')) {
      op.finish('eMQTTAgentFailure');
      this.connectAbort?.abort();
    } else {
      this.mqtt.dropConnection();
    }
  }

  /** `prvInitiateMQTTConnect` with `prvSetupConnection`. */
  private async runConnect(op: AgentOperation, p: MqttAgentConnectParams): Promise<void> {
    const m = this.mqtt;
    if (!m.machine.is('NOT_CONNECTED') || !m.ackRoom) return void op.finish('eMQTTAgentFailure');
    let connect: Buffer;
    try {
      connect = packets.connectPacket({
        clientId: p.clientId,
        userName: this.config.userName,
        // Accelerated device time: the broker counts the keep-alive in wall time.
        keepAliveSeconds: wireKeepAliveSeconds(this.clock, this.config.keepAliveIntervalSeconds),
      });
    } catch {
      // A client id MQTT cannot carry: refused before a socket is opened.
      return void op.finish('eMQTTAgentFailure');
    }
    const flags = p.flags ?? 0;
    const alpn = (flags & mqttagentUSE_AWS_IOT_ALPN_443) !== 0;
    const target: AgentTarget = {
      host: p.url,
      // "This field is ignored if the mqttagentUSE_AWS_IOT_ALPN_443 flag is set."
      port: alpn ? this.config.defaultTlsDestinationPort : p.port,
      ...((flags & mqttagentREQUIRE_TLS) !== 0
        ? {
            tls: {
              secTags: p.secTags ?? [],
              hostname: (flags & mqttagentURL_IS_IP_ADDRESS) !== 0 ? null : p.url,
              ...(alpn ? { alpn: [AWS_IOT_ALPN_MQTT] } : {}),
            },
          }
        : {}),
    };
    m.trace.clientId = p.clientId;
    m.callback = p.callback;
    m.userData = p.userData;
    m.machine.transition('CONNECTING');
    const abort = new AbortController();
    this.connectAbort = abort;
    let conn: AgentConnection;
    try {
      conn = await AgentConnection.open(this.sockets, target, abort.signal);
    } catch {
      if (m.machine.is('CONNECTING')) m.machine.transition('NOT_CONNECTED');
      op.finish('eMQTTAgentFailure');
      return;
    } finally {
      if (this.connectAbort === abort) this.connectAbort = undefined;
    }
    if (op.done || !m.machine.is('CONNECTING')) {
      conn.close();
      if (m.machine.is('CONNECTING')) m.machine.transition('NOT_CONNECTED');
      return;
    }
    m.awaitAck(op);
    m.attach(conn);
    const sending = m.send(connect);
    m.trace.connect(target.host, target.port, target.tls !== undefined, this.config.keepAliveIntervalSeconds);
    if (!(await sending) && conn === m.socket) {
      // The CONNECT could not be sent: the socket is closed without a disconnect event.
      m.forget(op);
      m.detach();
      m.machine.transition('NOT_CONNECTED');
      op.finish('eMQTTAgentFailure');
    }
  }

  /** `prvInitiateMQTTDisconnect`. */
  private async runDisconnect(op: AgentOperation): Promise<void> {
    const m = this.mqtt;
    const conn = m.socket;
    if (!conn || !m.machine.is('CONNECTED', 'CONNECTION_IN_PROGRESS'))
      return void op.finish('eMQTTAgentSuccess');
    const sent = await conn.write(packets.DISCONNECT);
    if (conn === m.socket) m.dropConnection();
    op.finish(sent ? 'eMQTTAgentSuccess' : 'eMQTTAgentFailure');
  }

  /** `prvInitiateMQTTSubscribe`. */
  private async runSubscribe(op: AgentOperation, p: MqttAgentSubscribeParams): Promise<void> {
    const m = this.mqtt;
    if (!this.canSend(p.qos, true) || packets.utf8Length(p.topic) > MAX_TOPIC_BYTES) {
      return void op.finish('eMQTTAgentFailure');
    }
    if (m.subscriptions.store(p.topic, p.callbackContext, p.callback) !== undefined) {
      return void op.finish('eMQTTAgentFailure');
    }
    op.topic = p.topic;
    op.onTimeout = () => m.subscriptions.remove(p.topic);
    const id = m.awaitAck(op);
    m.trace.subscribe(p.topic, p.qos);
    if (!(await m.send(packets.subscribePacket(id, p.topic, p.qos === 1 ? 1 : 0)))) {
      m.subscriptions.remove(p.topic);
      m.forget(op);
      op.finish('eMQTTAgentFailure');
    }
  }

  /** `prvInitiateMQTTUnSubscribe`. */
  private async runUnsubscribe(op: AgentOperation, topic: string): Promise<void> {
    const m = this.mqtt;
    if (!this.canSend(0, true) || packets.utf8Length(topic) > MAX_TOPIC_BYTES)
      return void op.finish('eMQTTAgentFailure');
    op.topic = topic;
    const id = m.awaitAck(op);
    if (!(await m.send(packets.unsubscribePacket(id, topic)))) {
      m.forget(op);
      op.finish('eMQTTAgentFailure');
    }
  }

  /** `prvInitiateMQTTPublish`: no acknowledgement slot for QoS 0. */
  private async runPublish(op: AgentOperation, topic: string, qos: number, data: Buffer): Promise<void> {
    const m = this.mqtt;
    const topicBytes = packets.utf8Length(topic);
    const tooBig =
      topicBytes > MAX_TOPIC_BYTES || topicBytes + data.length + 4 > packets.MAX_REMAINING_LENGTH;
    if (!this.canSend(qos, qos === 1) || tooBig) return void op.finish('eMQTTAgentFailure');
    m.trace.publish('out', topic, qos, data.length, false);
    if (qos === 0) {
      const sent = await m.send(packets.publishPacket(topic, 0, 0, data));
      op.finish(sent ? 'eMQTTAgentSuccess' : 'eMQTTAgentFailure');
      return;
    }
    const id = m.awaitAck(op);
    if (!(await m.send(packets.publishPacket(topic, 1, id, data)))) {
      m.forget(op);
      op.finish('eMQTTAgentFailure');
    }
  }

  /** Connected, QoS 0 or 1 (QoS 2 is not supported), and room for the acknowledgement. */
  private canSend(qos: number, needsAck: boolean): boolean {
    if (!this.mqtt.machine.is('CONNECTED') || (qos !== 0 && qos !== 1)) return false;
    return !needsAck || this.mqtt.ackRoom;
  }
}
