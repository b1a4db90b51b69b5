import type { EventEmitter } from 'node:events';
import type { Client } from 'aedes';

/**
 * The three places where the stand-in reads past aedes' typed API. Kept here, behind checks, so an
 * aedes upgrade that moves them breaks one file (and the broker-rules tests), not the services:
 * - `_parser`: the mqtt-packet parser of a connection, to see a whole SUBSCRIBE packet (AWS's
 *   8-filter limit is per packet; `authorizeSubscribe` sees one filter at a time);
 * - `_disconnected`: set when the client sent DISCONNECT (presence `clientInitiatedDisconnect`);
 * - `subscriptions`: the filters of a connection, to keep `a/#` from matching `a` as AWS does.
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
