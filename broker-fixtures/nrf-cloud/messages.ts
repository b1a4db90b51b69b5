import type { Clock } from '../../core/clock.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { parseJsonSafely } from '../json/safe-json.js';
import { isObject, type JsonValue } from '../services/shadow/json.js';
import type { ExternalChange, StateStore } from '../store/store.js';
import type { NrfCloudBus } from './bus.js';
import { deviceTopics } from './topics.js';
import type { NrfCloudMessage } from './types.js';

const DAY_MS = 86_400_000;
/** nRF Cloud keeps device messages 30 days; a device `ts` older than 90 days is not used. */
const RETENTION_MS = 30 * DAY_MS;
const TS_WINDOW_MS = 90 * DAY_MS;
/** At most this many messages are kept (the oldest go first), so a long run cannot fill memory. */
export const MAX_MESSAGES = 100_000;

export interface MessageQuery {
  deviceId?: string;
  appId?: string;
  pageLimit?: number;
  pageNextToken?: string;
  /** Epoch ms bounds on `receivedAt`. */
  inclusiveStart?: number;
  exclusiveEnd?: number;
}

export interface MessagePage {
  items: NrfCloudMessage[];
  total: number;
  pageNextToken?: string;
}

/**
 * Device messages: d2c (single, `/bulk` arrays, `/bin` binary) stored in `nrfcloud-messages` before
 * the publish is acknowledged, queryable newest first, and cloud-to-device messages.
 */
export class NrfCloudMessages {
  private sequence = 0;
  /** Keys of the stored messages, oldest first (loaded by {@link prune}). */
  private keys: string[] = [];
  private stale = false;

  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly bus: NrfCloudBus,
    private readonly prefix: string,
    private readonly maxMessages = MAX_MESSAGES,
  ) {}

  /** Drops messages past nRF Cloud's 30-day retention (at start). */
  async prune(): Promise<void> {
    const cutoff = this.clock.now() - RETENTION_MS;
    const old = (await this.store.list<NrfCloudMessage>('nrfcloud-messages')).filter(
      ([, m]) => m.receivedAt < cutoff,
    );
    if (old.length)
      await this.store.commit(
        old.map(([key]) => ({ collection: 'nrfcloud-messages' as const, key, deleted: true as const })),
      );
    const gone = new Set(old.map(([key]) => key));
    this.keys = (await this.store.list<NrfCloudMessage>('nrfcloud-messages'))
      .map(([key]) => key)
      .filter((k) => !gone.has(k));
  }

  private record(
    deviceId: string,
    topic: string,
    message: JsonValue,
  ): { key: string; value: NrfCloudMessage } {
    const receivedAt = this.clock.now();
    const ts = isObject(message) ? message.ts : undefined;
    const validTs =
      typeof ts === 'number' &&
      Number.isFinite(ts) &&
      ts <= receivedAt + DAY_MS &&
      ts >= receivedAt - TS_WINDOW_MS;
    const key = `${String(receivedAt).padStart(15, '0')}-${String(this.sequence++).padStart(9, '0')}`;
    return { key, value: { deviceId, topic, message, receivedAt, ...(validTs ? { ts } : {}) } };
  }

  /** A d2c publish: stored (all of a bulk array in one commit) before the device gets its PUBACK. */
  async received(
    deviceId: string,
    topic: string,
    payload: Buffer,
    kind: 'd2c' | 'd2c-bulk' | 'd2c-bin',
  ): Promise<void> {
    let messages: JsonValue[];
    if (kind === 'd2c-bin') messages = [{ base64: payload.toString('base64') }];
    else {
      const parsed = parseJsonSafely(payload.toString('utf8'));
      const value = parsed.ok ? (parsed.value as JsonValue) : payload.toString('utf8');
      messages = kind === 'd2c-bulk' && Array.isArray(value) ? value : [value];
    }
    if (messages.length === 0) return;
    if (this.stale) {
      this.stale = false;
      this.keys = (await this.store.list<NrfCloudMessage>('nrfcloud-messages')).map(([key]) => key).sort();
    }
    // Keys are time and a per-process count: another broker node may have taken one in the same
    // millisecond, so they go in only where nothing is yet (else the next numbers are tried).
    for (let attempt = 0; attempt < 20; attempt++) {
      const changes = messages.map((m) => {
        const { key, value } = this.record(deviceId, topic, m);
        return { collection: 'nrfcloud-messages' as const, key, value };
      });
      const over = this.keys.length + changes.length - this.maxMessages;
      const drop = over > 0 ? this.keys.slice(0, over) : [];
      const commit = this.store.commitIf(
        changes.map((c) => ({ collection: c.collection, key: c.key, value: undefined })),
        [
          ...changes,
          ...drop.map((key) => ({ collection: 'nrfcloud-messages' as const, key, deleted: true as const })),
        ],
      );
      if (await commit.applied) {
        this.keys.splice(0, drop.length);
        this.keys.push(...changes.map((c) => c.key));
        return commit.durable;
      }
    }
    throw new SimError(ErrorCode.STATE_UNREACHABLE, 'cannot find a free key for the message');
  }

  /** Messages stored by other broker nodes (a shared store): the key list is read again before the next write. */
  changedElsewhere(changes: readonly ExternalChange[]): void {
    if (changes.some((c) => c.collection === 'nrfcloud-messages')) this.stale = true;
  }

  async query(q: MessageQuery): Promise<MessagePage> {
    const limit = q.pageLimit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw new SimError(ErrorCode.INVALID_ARGUMENT, 'pageLimit must be a whole number 1-100');
    const all = (await this.store.list<NrfCloudMessage>('nrfcloud-messages'))
      .filter(([, m]) => q.deviceId === undefined || m.deviceId === q.deviceId)
      .filter(([, m]) => q.appId === undefined || (isObject(m.message) && m.message.appId === q.appId))
      .filter(([, m]) => q.inclusiveStart === undefined || m.receivedAt >= q.inclusiveStart)
      .filter(([, m]) => q.exclusiveEnd === undefined || m.receivedAt < q.exclusiveEnd)
      .reverse();
    let start = 0;
    if (q.pageNextToken !== undefined) {
      start = all.findIndex(([key]) => key < q.pageNextToken!);
      if (!/^\d{15}-\d{9}$/.test(q.pageNextToken))
        throw new SimError(ErrorCode.INVALID_ARGUMENT, 'pageNextToken is not one this API gave');
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return {
      items: page.map(([, m]) => m),
      total: all.length,
      ...(more ? { pageNextToken: page[page.length - 1]![0] } : {}),
    };
  }

  /** Sends a cloud-to-device message: on `…/c2d/r` (current NCS's `…/+/r`) and the legacy `…/c2d`. */
  async send(deviceId: string, message: JsonValue): Promise<void> {
    const payload = typeof message === 'string' ? message : JSON.stringify(message);
    await this.bus.publish(deviceTopics(this.prefix, deviceId).c2dGeneral, payload);
    await this.bus.publish(`${this.prefix}m/d/${deviceId}/c2d`, payload);
  }
}
