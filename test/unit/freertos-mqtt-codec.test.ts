import { describe, expect, it } from 'vitest';
import { topicFilterType, topicMatchesFilter } from '../../cloud-libs/freertos/index.js';
import { MqttPacketReader, type InboundPacket } from '../../cloud-libs/freertos/mqtt-packet-reader.js';
import {
  connectPacket,
  publishPacket,
  subscribePacket,
  unsubscribePacket,
} from '../../cloud-libs/freertos/mqtt-packets.js';
import { Random } from '../../core/random.js';
import { brokerPublish } from './freertos-scripted-peer.js';

function splitRandomly(data: Buffer, rng: Random): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length;) {
    const n = rng.int(1, 9);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

const STREAM = Buffer.concat([
  Buffer.from([0x20, 0x02, 0x01, 0x00]),
  brokerPublish('$aws/things/t/shadow/update/delta', '{"state":{"powerOn":1}}', 1, 0x0102),
  Buffer.from([0x90, 0x03, 0x00, 0x05, 0x01]),
  Buffer.from([0xb0, 0x02, 0x00, 0x06]),
  Buffer.from([0x40, 0x02, 0x00, 0x07]),
  Buffer.from([0xd0, 0x00]),
  brokerPublish('a/b', 'x'.repeat(300)),
]);

describe('MQTT packet reader (what the broker sends the agent)', () => {
  it('gives the same packets for 8-byte-or-less fragments as for one chunk (seeded)', () => {
    const whole = new MqttPacketReader(4096).push(STREAM);
    expect(whole.map((p) => p.type)).toEqual([
      'connack',
      'publish',
      'suback',
      'unsuback',
      'puback',
      'pingresp',
      'publish',
    ]);
    expect(whole[0]).toEqual({ type: 'connack', sessionPresent: true, returnCode: 0 });
    expect(whole[1]).toMatchObject({ qos: 1, packetId: 0x0102, topic: '$aws/things/t/shadow/update/delta' });
    for (const seed of [1, 2, 3, 4, 5]) {
      const reader = new MqttPacketReader(4096);
      const parts = splitRandomly(STREAM, new Random(seed)).flatMap((c) => reader.push(c));
      expect(parts).toEqual(whole);
    }
  });

  it('drops a packet larger than it keeps and goes on with the next one', () => {
    const reader = new MqttPacketReader(100);
    const out: InboundPacket[] = [];
    for (const c of splitRandomly(STREAM.subarray(4), new Random(9))) out.push(...reader.push(c));
    expect(out.map((p) => p.type)).toEqual([
      'publish',
      'suback',
      'unsuback',
      'puback',
      'pingresp',
      'dropped',
    ]);
  });

  it('reports QoS 2, wrong fixed flags, unknown types and 5-byte lengths as malformed, then stops', () => {
    const malformed = (bytes: number[] | Buffer): string | undefined => {
      const r = new MqttPacketReader(4096);
      const [first, ...rest] = r.push(Buffer.concat([Buffer.from(bytes), Buffer.from([0xd0, 0x00])]));
      expect(rest).toEqual([]);
      return first?.type;
    };
    expect(malformed(brokerPublish('t', 'x', 2))).toBe('malformed');
    expect(malformed([0x21, 0x02, 0x00, 0x00])).toBe('malformed');
    expect(malformed([0x20, 0x03, 0x00, 0x00, 0x00])).toBe('malformed');
    expect(malformed([0x90, 0x03, 0x00, 0x01, 0x02])).toBe('malformed');
    expect(malformed([0x10, 0x00])).toBe('malformed');
    expect(malformed([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])).toBe('malformed');
  });

  it('holds the fixed-size acknowledgements to their size and refuses what only a client sends', () => {
    const first = (bytes: number[]) => new MqttPacketReader(4096).push(Buffer.from(bytes))[0];
    const reason = (bytes: number[]) => {
      const p = first(bytes);
      return p?.type === 'malformed' ? p.reason : p?.type;
    };
    expect(reason([0xd0, 0x01, 0x00])).toBe('PINGRESP');
    expect(reason([0x40, 0x00])).toBe('PUBACK');
    expect(reason([0x40, 0x03, 0x00, 0x01, 0x00])).toBe('PUBACK');
    expect(reason([0x20, 0x00])).toBe('CONNACK');
    expect(reason([0x20, 0x02, 0x02, 0x00])).toMatch(/connack flags/i);
    expect(reason([0x90, 0x02, 0x00, 0x01])).toBe('SUBACK');
    expect(reason([0xb0, 0x03, 0x00, 0x01, 0x00])).toMatch(/unsuback/i);
    // A QoS 1 PUBLISH "a" whose packet identifier is missing.
    expect(reason([0x32, 0x03, 0x00, 0x01, 0x61])).toBe('PUBLISH shorter than its topic');
    expect(reason([0x30, 0x03, 0x00, 0x05, 0x61])).toMatch(/topic/i);
    expect(reason([0x62, 0x02, 0x00, 0x01])).toBe('PUBREL from the broker');
    expect(reason([0xe0, 0x00])).toBe('DISCONNECT from the broker');
    expect(reason([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00])).toBe('SUBSCRIBE from the broker');
    expect(first([0x00, 0x00])?.type).toBe('malformed');
    expect(first([0xf0, 0x00])?.type).toBe('malformed');
    expect(first([0xd0, 0x00])).toEqual({ type: 'pingresp' });
  });

  it('never throws on random bytes, and gives nothing more after a malformed packet (seeded)', () => {
    let broken = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Random(seed);
      const reader = new MqttPacketReader(512);
      const out: InboundPacket[] = [];
      // Random control bytes with short random bodies, cut anywhere.
      const frames = Array.from({ length: 8 }, () => {
        const n = rng.int(0, 20);
        return Buffer.concat([rng.bytes(1), Buffer.from([n]), rng.bytes(n)]);
      });
      const junk = Buffer.concat(frames);
      for (const c of splitRandomly(junk, rng)) out.push(...reader.push(c));
      const bad = out.findIndex((p) => p.type === 'malformed');
      if (bad < 0) continue;
      broken++;
      expect(out).toHaveLength(bad + 1);
      expect(reader.push(STREAM)).toEqual([]);
    }
    expect(broken).toBeGreaterThan(150);
  });
});

describe('MQTT packets the agent sends', () => {
  it('encodes the remaining length in 1 to 4 bytes (MQTT 3.1.1 §2.2.3 table)', () => {
    // A QoS 0 PUBLISH to topic "a" has 3 bytes besides its payload.
    const header = (remaining: number) =>
      publishPacket('a', 0, 0, Buffer.alloc(remaining - 3)).subarray(0, 6);
    expect(header(127).subarray(0, 2)).toEqual(Buffer.from([0x30, 0x7f]));
    expect(header(128).subarray(0, 3)).toEqual(Buffer.from([0x30, 0x80, 0x01]));
    expect(header(16_383).subarray(0, 3)).toEqual(Buffer.from([0x30, 0xff, 0x7f]));
    expect(header(2_097_152).subarray(0, 5)).toEqual(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x01]));
    expect(publishPacket('a', 0, 0, Buffer.alloc(2_097_149))).toHaveLength(2_097_157);
  });

  it('refuses strings MQTT cannot carry instead of sending a length the broker misreads', () => {
    const long = 'x'.repeat(65_536);
    expect(() => publishPacket(long, 0, 0, Buffer.alloc(0))).toThrow(RangeError);
    expect(() => subscribePacket(1, long, 0)).toThrow(RangeError);
    expect(() => unsubscribePacket(1, long)).toThrow(RangeError);
    expect(() => connectPacket({ clientId: long, userName: '', keepAliveSeconds: 60 })).toThrow(RangeError);
    expect(publishPacket('x'.repeat(65_535), 0, 0, Buffer.alloc(0)).subarray(0, 6)).toEqual(
      Buffer.from([0x30, 0x81, 0x80, 0x04, 0xff, 0xff]),
    );
  });

  it('CONNECT without a user name leaves its flag off', () => {
    expect(connectPacket({ clientId: 'd', userName: '', keepAliveSeconds: 60 })).toEqual(
      Buffer.from([0x10, 0x0d, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60, 0, 1, 0x64]),
    );
  });

  it('PUBLISH, SUBSCRIBE and UNSUBSCRIBE byte for byte', () => {
    expect(publishPacket('a/b', 1, 0x0a0b, Buffer.from('hi'))).toEqual(
      Buffer.from([0x32, 0x09, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x0a, 0x0b, 0x68, 0x69]),
    );
    expect(publishPacket('a', 0, 99, Buffer.alloc(0))).toEqual(Buffer.from([0x30, 0x03, 0x00, 0x01, 0x61]));
    expect(subscribePacket(1, 'a/#', 0)).toEqual(Buffer.from([0x82, 0x08, 0, 1, 0, 3, 0x61, 0x2f, 0x23, 0]));
    expect(unsubscribePacket(2, 'a')).toEqual(Buffer.from([0xa2, 0x05, 0, 2, 0, 1, 0x61]));
  });
});

describe('topic filters (aws_mqtt_lib.c subscription manager)', () => {
  it('classifies filters as the library does', () => {
    expect(topicFilterType('a/b')).toBe('simple');
    expect(topicFilterType('a/+/c')).toBe('wildcard');
    expect(topicFilterType('#')).toBe('wildcard');
    expect(topicFilterType('a/#/c')).toBe('invalid');
    expect(topicFilterType('a+')).toBe('invalid');
    expect(topicFilterType('a/b#')).toBe('invalid');
    expect(topicFilterType('')).toBe('invalid');
  });

  it('matches with the MQTT spec corner cases: sport/# matches sport, sport/+ matches sport/', () => {
    expect(topicMatchesFilter('sport', 'sport/#')).toBe(true);
    expect(topicMatchesFilter('sport/tennis/p1', 'sport/#')).toBe(true);
    expect(topicMatchesFilter('sport/', 'sport/+')).toBe(true);
    expect(topicMatchesFilter('sport', 'sport/+')).toBe(false);
    expect(topicMatchesFilter('a/b/c', 'a/+/c')).toBe(true);
    expect(topicMatchesFilter('a/b/c/d', 'a/+/c')).toBe(false);
    expect(topicMatchesFilter('a/b', 'a/b/c')).toBe(false);
  });
});
