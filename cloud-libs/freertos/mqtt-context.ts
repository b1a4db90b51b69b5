import type { Clock } from '../../core/clock.js';
import { StateMachine } from '../../core/state-machine.js';
import type { MqttAgentConfig } from './agent-config.js';
import type { AgentConnection } from './agent-connection.js';
import type { AgentOperation, OperationKind } from './agent-operation.js';
import { AgentTrace } from './agent-trace.js';
import type { MqttAgentCallback, MqttAgentCallbackParams } from './agent-types.js';
import { BufferPool } from './buffer-pool.js';
import { KeepAlive } from './keep-alive.js';
import { MqttPacketReader, type InboundPacket } from './mqtt-packet-reader.js';
import * as packets from './mqtt-packets.js';
import { runInMqttTask } from './mqtt-task.js';
import { SubscriptionManager } from './subscription-manager.js';

/**
 * The connection's lifecycle (aws_mqtt_lib.c `MQTTConnectionState_t`, with the socket setup of
 * `prvSetupConnection` before it and `MQTT_AGENT_Delete` after).
 */
export type MqttAgentState =
  'NOT_CONNECTED' | 'CONNECTING' | 'CONNECTION_IN_PROGRESS' | 'CONNECTED' | 'DELETED';

const LEGAL: Readonly<Record<MqttAgentState, readonly MqttAgentState[]>> = {
  NOT_CONNECTED: ['CONNECTING', 'DELETED'],
  CONNECTING: ['CONNECTION_IN_PROGRESS', 'NOT_CONNECTED', 'DELETED'],
  CONNECTION_IN_PROGRESS: ['CONNECTED', 'NOT_CONNECTED', 'DELETED'],
  CONNECTED: ['NOT_CONNECTED', 'DELETED'],
  DELETED: [],
};

/** What the agent reports besides its return codes (the C library's debug prints). */
export type MqttAgentEvents = {
  /** No PINGRESP within the keep-alive timeout (eMQTTPingTimeout); the agent sends another PINGREQ. */
  'ping-timeout': [];
  /** A publish was dropped: no free buffer, or larger than the agent keeps (eMQTTPacketDropped). */
  'packet-dropped': [reason: string];
  /** An acknowledgement nobody waits for any more, e.g. after its operation timed out. */
  'unexpected-ack': [packet: 'CONNACK' | 'SUBACK' | 'UNSUBACK' | 'PUBACK', packetId: number | undefined];
  /** An application callback threw; the agent carried on as if it had returned false. */
  'callback-error': [error: unknown];
};

/** How the context reports {@link MqttAgentEvents} (the agent emits them). */
export type AgentReport = <K extends keyof MqttAgentEvents>(event: K, ...args: MqttAgentEvents[K]) => void;

/**
 * One connection's MQTT state (aws_mqtt_lib.c `MQTTContext_t`): the socket, the operations waiting
 * for acknowledgements, keep-alive, subscriptions, receive buffers and the connect callback, and
 * what to do with each packet the broker sends.
 */
export class MqttContext {
  readonly machine: StateMachine<MqttAgentState>;
  readonly subscriptions: SubscriptionManager;
  readonly pool: BufferPool;
  readonly trace: AgentTrace;
  /** Operations waiting for their acknowledgement, by packet identifier. */
  private readonly acks = new Map<number, AgentOperation>();
  private readonly keepAlive: KeepAlive;
  private connection: AgentConnection | undefined;
  private reader: MqttPacketReader | undefined;
  private lastPacketId = 0;
  callback: MqttAgentCallback | undefined;
  userData: unknown;

  constructor(
    name: string,
    clock: Clock,
    private readonly config: Readonly<MqttAgentConfig>,
    private readonly report: AgentReport,
  ) {
    this.machine = new StateMachine<MqttAgentState>('mqtt_agent', 'NOT_CONNECTED', LEGAL, name);
    this.subscriptions = new SubscriptionManager(config.maxSubscriptions, config.maxSubscriptionTopicLength);
    this.pool = new BufferPool(config.bufferPoolSize);
    this.trace = new AgentTrace(name);
    this.keepAlive = new KeepAlive(
      clock,
      config.keepAliveActualIntervalMs,
      config.keepAliveTimeoutMs,
      () => void this.send(packets.PINGREQ),
      () => this.report('ping-timeout'),
    );
  }

  get state(): MqttAgentState {
    return this.machine.state;
  }

  get socket(): AgentConnection | undefined {
    return this.connection;
  }

  /** True when one more acknowledgement can be waited for. */
  get ackRoom(): boolean {
    return this.acks.size < this.config.maxOutstandingAcks;
  }

  /** The socket is up: CONNECT goes next, and what arrives is read from now on. */
  attach(conn: AgentConnection): void {
    this.connection = conn;
    this.reader = new MqttPacketReader(this.config.maxPacketBytes);
    this.machine.transition('CONNECTION_IN_PROGRESS');
    conn.startReading(
      this.config.rxBufferSize,
      (chunk) => this.onData(conn, chunk),
      () => {
        if (conn === this.connection) this.dropConnection();
      },
    );
  }

  /** Closes the socket without a disconnect event (the CONNECT could not be sent; delete). */
  detach(): void {
    const conn = this.connection;
    this.connection = undefined;
    this.reader = undefined;
    if (conn) this.trace.close();
    conn?.close();
    this.keepAlive.stop();
    this.subscriptions.clear();
  }

  send(bytes: Buffer): Promise<boolean> {
    const conn = this.connection;
    if (!conn) return Promise.resolve(false);
    this.keepAlive.sent();
    return conn.write(bytes);
  }

  /** Registers `op` for its acknowledgement under a fresh packet identifier. */
  awaitAck(op: AgentOperation): number {
    do this.lastPacketId = (this.lastPacketId % 65535) + 1;
    while (this.acks.has(this.lastPacketId));
    op.packetId = this.lastPacketId;
    op.stage = 'awaiting-ack';
    this.acks.set(this.lastPacketId, op);
    return this.lastPacketId;
  }

  /** Stops waiting for `op`'s acknowledgement; one that still comes is unexpected. */
  forget(op: AgentOperation): void {
    if (op.packetId !== undefined && this.acks.get(op.packetId) === op) this.acks.delete(op.packetId);
  }

  /** Every call waiting for an acknowledgement fails: none will come. */
  failAcks(): void {
    const waiting = [...this.acks.values()];
    this.acks.clear();
    for (const op of waiting) op.finish('eMQTTAgentFailure');
  }

  /**
   * `prvProcessReceivedDisconnect`: the connection is gone (peer, error, malformed packet, refusal,
   * CONNECT timeout or user request): the callback hears it, the socket closes, and every call
   * waiting for an acknowledgement fails. Subscriptions do not survive it.
   */
  dropConnection(): void {
    const conn = this.connection;
    if (!conn) return;
    this.connection = undefined;
    this.reader = undefined;
    this.keepAlive.stop();
    this.subscriptions.clear();
    if (this.machine.is('CONNECTED', 'CONNECTION_IN_PROGRESS')) this.machine.transition('NOT_CONNECTED');
    this.trace.close();
    this.invokeCallback({ event: 'eMQTTAgentDisconnect' });
    conn.close();
    this.failAcks();
  }

  // ---- what the broker sends ----------------------------------------------------------------

  private onData(conn: AgentConnection, chunk: Buffer): void {
    for (const p of this.reader?.push(chunk) ?? []) {
      if (conn !== this.connection) return;
      this.onPacket(p);
    }
  }

  private onPacket(p: InboundPacket): void {
    switch (p.type) {
      case 'connack':
        return this.onConnack(p.returnCode, p.sessionPresent);
      case 'suback':
        return this.onAck('subscribe', 'SUBACK', p.packetId, p.returnCode === 0x80);
      case 'unsuback':
        return this.onAck('unsubscribe', 'UNSUBACK', p.packetId, false);
      case 'puback':
        return this.onAck('publish', 'PUBACK', p.packetId, false);
      case 'pingresp':
        return this.keepAlive.pingResp();
      case 'publish':
        return this.onPublish(p.topic, p.qos, p.packetId, p.payload, p.retain);
      case 'dropped':
        this.report(
          'packet-dropped',
          `a ${p.length}-byte packet is larger than ${this.config.maxPacketBytes}`,
        );
        return;
      case 'malformed':
        return this.dropConnection();
    }
  }

  private onConnack(returnCode: number, sessionPresent: boolean): void {
    const op = [...this.acks.values()].find((o) => o.kind === 'connect');
    if (!op || !this.machine.is('CONNECTION_IN_PROGRESS')) {
      this.report('unexpected-ack', 'CONNACK', undefined);
      return;
    }
    this.trace.connack(returnCode, sessionPresent);
    if (returnCode !== 0) {
      // Refused (1–5) or a reserved code: the connection ends and the connect fails with it.
      this.dropConnection();
      return;
    }
    this.forget(op);
    this.machine.transition('CONNECTED');
    this.keepAlive.start();
    op.finish('eMQTTAgentSuccess');
  }

  private onAck(
    kind: OperationKind,
    packet: 'SUBACK' | 'UNSUBACK' | 'PUBACK',
    id: number,
    refused: boolean,
  ): void {
    const op = this.acks.get(id);
    if (!op || op.kind !== kind) {
      this.report('unexpected-ack', packet, id);
      return;
    }
    this.acks.delete(id);
    // A refused SUBSCRIBE and a completed UNSUBSCRIBE both take the filter's callback away.
    if (op.topic !== undefined && (refused || kind === 'unsubscribe')) this.subscriptions.remove(op.topic);
    op.finish(refused ? 'eMQTTAgentFailure' : 'eMQTTAgentSuccess');
  }

  private onPublish(
    topic: string,
    qos: 0 | 1,
    packetId: number | undefined,
    payload: Buffer,
    retain: boolean,
  ): void {
    this.trace.publish('in', topic, qos, payload.length, retain);
    const buffer = this.pool.take(payload);
    if (!buffer) {
      // Dropped before it is acknowledged: the broker sends a QoS 1 publish again.
      this.report('packet-dropped', 'no free buffer');
      return;
    }
    // A QoS 1 publish is acknowledged before the callbacks run.
    if (qos === 1 && packetId !== undefined) void this.send(packets.pubackPacket(packetId));
    const publishData = { qos, topic, data: buffer.data, buffer };
    const { taken, invoked } = this.subscriptions.dispatch(publishData, (cb, ctx) =>
      runInMqttTask(
        () => cb(ctx, publishData) === true,
        false,
        (err) => this.callbackError(err),
      ),
    );
    let kept = taken;
    // The connect callback gets only what no subscription callback saw.
    if (!invoked) kept = this.invokeCallback({ event: 'eMQTTAgentPublish', publishData });
    if (!kept) this.pool.give(buffer);
  }

  private invokeCallback(params: MqttAgentCallbackParams): boolean {
    const cb = this.callback;
    if (!cb) return false;
    return runInMqttTask(
      () => cb(this.userData, params) === true,
      false,
      (err) => this.callbackError(err),
    );
  }

  private callbackError(err: unknown): void {
    this.report('callback-error', err);
  }
}
