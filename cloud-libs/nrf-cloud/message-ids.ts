import type { MqttClient } from 'mqtt';

type IMessageIdProvider = MqttClient['messageIdProvider'];

/** The MQTT message ids of `include/net/nrf_cloud.h`: the connection state machine keys on them. */
export const NCT_MSG_ID = {
  USE_NEXT_INCREMENT: 0,
  CC_SUB: 100,
  DC_SUB: 101,
  FOTA_SUB: 103,
  CC_UNSUB: 150,
  DC_UNSUB: 151,
  FOTA_UNSUB: 153,
  STATE_REQUEST: 200,
  FOTA_REQUEST: 201,
  STATE_REPORT: 300,
  PAIR_STATUS_REPORT: 301,
  FOTA_REPORT: 302,
  INCREMENT_BEGIN: 1000,
  INCREMENT_END: 9999,
  USER_TAG_BEGIN: 10000,
  USER_TAG_END: 0xffff,
} as const;

/** `IS_VALID_USER_TAG`: only these ids give `NRF_CLOUD_EVT_SENSOR_DATA_ACK`. */
export function isValidUserTag(tag: number): boolean {
  return Number.isInteger(tag) && tag >= NCT_MSG_ID.USER_TAG_BEGIN && tag <= NCT_MSG_ID.USER_TAG_END;
}

/**
 * How the library's message ids reach the wire through mqtt.js: every SUBSCRIBE, UNSUBSCRIBE and
 * QoS 1 PUBLISH the library makes first {@link claim}s its id (a fixed one, a user tag, or the
 * next of `get_next_message_id`'s 1000–9999 cycle), and mqtt.js's allocations take them in order.
 * A queue rather than one slot: mqtt.js may defer a packet (while it replays its store), but it
 * still allocates in call order.
 */
export class NrfCloudMessageIds implements IMessageIdProvider {
  private readonly claimed: number[] = [];
  private readonly inUse = new Set<number>();
  private last: number | null = null;
  private increment: number = NCT_MSG_ID.INCREMENT_BEGIN - 1;

  /** `get_message_id`: `requested`, or the next automatic id for 0. Returns the id claimed. */
  claim(requested: number = NCT_MSG_ID.USE_NEXT_INCREMENT): number {
    const id = requested !== NCT_MSG_ID.USE_NEXT_INCREMENT ? requested : this.nextIncrement();
    this.claimed.push(id);
    return id;
  }

  private nextIncrement(): number {
    if (this.increment < NCT_MSG_ID.INCREMENT_BEGIN || this.increment >= NCT_MSG_ID.INCREMENT_END) {
      this.increment = NCT_MSG_ID.INCREMENT_BEGIN;
    } else {
      this.increment++;
    }
    return this.increment;
  }

  allocate(): number | null {
    const id = this.claimed.shift() ?? this.nextIncrement();
    this.inUse.add(id);
    this.last = id;
    return id;
  }

  getLastAllocated(): number | null {
    return this.last;
  }

  register(num: number): boolean {
    if (this.inUse.has(num)) return false;
    this.inUse.add(num);
    return true;
  }

  deallocate(num: number): void {
    this.inUse.delete(num);
  }

  clear(): void {
    this.inUse.clear();
  }
}
