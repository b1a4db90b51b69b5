import { describe, expect, it } from 'vitest';
import {
  awsFilterMatches,
  checkClientId,
  checkPublishTopic,
  checkSubscribeFilter,
  clampKeepalive,
} from '../../broker-fixtures/index.js';

describe('AWS IoT broker rules (cloud-services §3.2–3.5)', () => {
  it('clamps keep-alive to 30–1200 s', () => {
    expect([0, 1, 29, 30, 600, 1200, 1201, 65535].map(clampKeepalive)).toEqual([
      1200, 30, 30, 30, 600, 1200, 1200, 1200,
    ]);
  });

  it('client ids: 1–128 bytes, no $ prefix', () => {
    expect(checkClientId('thing-1')).toBeUndefined();
    expect(checkClientId('x'.repeat(128))).toBeUndefined();
    expect(checkClientId('x'.repeat(129))).toMatch(/129 bytes/);
    expect(checkClientId('')).toMatch(/empty/);
    expect(checkClientId('$aws')).toMatch(/reserved/);
  });

  it('topics: 256 bytes, 7 slashes (Basic Ingest prefix not counted), reserved $ topics', () => {
    expect(checkPublishTopic('a/b/c/d/e/f/g/h')).toBeUndefined();
    expect(checkPublishTopic('a/b/c/d/e/f/g/h/i')).toMatch(/7 forward slashes/);
    expect(checkPublishTopic('$aws/rules/r1/a/b/c/d/e/f/g/h')).toBeUndefined();
    expect(checkPublishTopic('x'.repeat(257))).toMatch(/257 bytes/);
    expect(checkPublishTopic('$aws/things/t/shadow/name/n/update')).toBeUndefined();
    expect(checkPublishTopic('$aws/events/presence/connected/x')).toMatch(/reserved/);
    expect(checkPublishTopic('$SYS/broker')).toMatch(/reserved/);
  });

  it('filters: QoS 2 refused, $SYS refused, $aws allowed', () => {
    expect(checkSubscribeFilter('a/#', 2)).toMatch(/QoS 2/);
    expect(checkSubscribeFilter('$SYS/#', 0)).toMatch(/reserved/);
    expect(checkSubscribeFilter('$aws/events/presence/+/+', 1)).toBeUndefined();
  });

  it('a/# does not match the parent a; first-level wildcards skip $ topics', () => {
    expect(awsFilterMatches('a/#', 'a')).toBe(false);
    expect(awsFilterMatches('a/#', 'a/')).toBe(true);
    expect(awsFilterMatches('a/#', 'a/b/c')).toBe(true);
    expect(awsFilterMatches('a/+', 'a/b')).toBe(true);
    expect(awsFilterMatches('a/+', 'a/b/c')).toBe(false);
    expect(awsFilterMatches('#', '$aws/things/x')).toBe(false);
  });
});
