import type { EventEmitter } from 'node:events';
import type { Aedes, Client } from 'aedes';

/**
 * The three places where the stand-in reads past aedes' typed API. Kept here, behind checks, so an
 * aedes upgrade that moves them breaks one file (and the broker-rules tests), not the services:
 * - `_parser`: the mqtt-packet parser of a connection, to see a whole SUBSCRIBE packet (AWS's
 *   8-filter limit is per packet; `authorizeSubscribe` sees one filter at a time);
 * - `_disconnected`: set when the client sent DISCONNECT (presence `clientInitiatedDisconnect`);
 * - `subscriptions`: the filters of a connection, to keep `a/#` from matching `a` as AWS does.
 * And three of the broker: `mq`, to hear the `$SYS/<id>/new/clients` announcements by which aedes
 * nodes sharing an emitter take a client id over from each other, `clients`, who is connected
 * to this node, and `persistence`, for the retained messages the AWS data plane reads.
 */
interface ClientInternals {
  _parser?: EventEmitter;
  _disconnected?: boolean;
  subscriptions?: Record<string, unknown>;
}

export interface ParsedPacket {
  cmd: string;
  subscriptions?: Array<{ topic: string; qos: number }>;
}

/** Calls `fn` with every packet the client sends, before aedes handles it. */
export function tapPackets(client: Client, fn: (packet: ParsedPacket) => void): boolean {
  const parser = (client as unknown as ClientInternals)._parser;
  if (!parser || typeof parser.prependListener !== 'function') return false;
  parser.prependListener('packet', fn);
  return true;
}

export function sentDisconnect(client: Client): boolean {
  return (client as unknown as ClientInternals)._disconnected === true;
}

export function subscriptionFilters(client: Client): string[] {
  const subs = (client as unknown as ClientInternals).subscriptions;
  return subs ? Object.keys(subs) : [];
}

interface BrokerInternals {
  mq?: {
    on(
      topic: string,
      fn: (packet: { topic: string; payload: Buffer | string }, done: () => void) => void,
    ): void;
  };
  clients?: Record<string, Client | undefined>;
  persistence?: { createRetainedStream?(pattern: string): AsyncIterable<RetainedPacket> };
}

export interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
  qos: number;
}

/**
 * The retained messages matching `pattern`, from the broker's own persistence (memory, or Redis
 * when clustered): what a new subscription would be handed. Undefined if aedes moved it.
 */
export async function retainedMessages(aedes: Aedes, pattern: string): Promise<RetainedPacket[] | undefined> {
  const persistence = (aedes as unknown as BrokerInternals).persistence;
  if (typeof persistence?.createRetainedStream !== 'function') return undefined;
  const out: RetainedPacket[] = [];
  for await (const packet of persistence.createRetainedStream(pattern)) out.push(packet);
  return out;
}

/** Calls `fn(brokerId, clientId)` for every connect any node of the cluster announces. */
export function onClientAnnounced(aedes: Aedes, fn: (brokerId: string, clientId: string) => void): boolean {
  const mq = (aedes as unknown as BrokerInternals).mq;
  if (!mq || typeof mq.on !== 'function') return false;
  mq.on('$SYS/+/new/clients', (packet, done) => {
    fn(packet.topic.split('/')[1] ?? '', packet.payload.toString());
    done();
  });
  return true;
}

/** The connection with this client id on this node, if any. */
export function localClient(aedes: Aedes, clientId: string): Client | undefined {
  return (aedes as unknown as BrokerInternals).clients?.[clientId];
}
