import { describe, expect, it } from 'vitest';
import { topicFilterType, topicMatchesFilter } from '../../cloud-libs/freertos/index.js';
import { MqttPacketReader, type InboundPacket } from '../../cloud-libs/freertos/mqtt-packet-reader.js';
import {
  encodeRemainingLength,
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
});

describe('MQTT packets the agent sends', () => {
  it('encodes the remaining length in 1 to 4 bytes (MQTT 3.1.1 §2.2.3 table)', () => {
    expect(encodeRemainingLength(127)).toEqual(Buffer.from([0x7f]));
    expect(encodeRemainingLength(128)).toEqual(Buffer.from([0x80, 0x01]));
    expect(encodeRemainingLength(16_383)).toEqual(Buffer.from([0xff, 0x7f]));
    expect(encodeRemainingLength(2_097_152)).toEqual(Buffer.from([0x80, 0x80, 0x80, 0x01]));
    expect(() => encodeRemainingLength(268_435_456)).toThrow();
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
