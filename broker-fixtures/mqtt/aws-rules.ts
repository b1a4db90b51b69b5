/**
 * Where AWS IoT Core's message broker differs from the MQTT 3.1.1 spec that aedes follows
 * (cloud-services.md §3.2–3.6, §3.12). Pure functions: each returns the reason a thing is refused,
 * or undefined when AWS would accept it.
 */
export const AWS_LIMITS = {
  /** §3.2: client ids are 1–128 bytes of UTF-8. */
  maxClientIdBytes: 128,
  /** §3.3: topic names and filters are at most 256 bytes. */
  maxTopicBytes: 256,
  /** §3.3: at most 7 forward slashes (8 levels), `$aws/rules/<rule>/` not counted. */
  maxTopicSlashes: 7,
  /** §3.6: PUBLISH payloads of at most 128 KB. */
  maxPayloadBytes: 128 * 1024,
  /** §3.6: at most 8 filters in one SUBSCRIBE. */
  maxFiltersPerSubscribe: 8,
  /** §3.5: keep-alive is clamped to 30–1200 s. */
  minKeepaliveSeconds: 30,
  maxKeepaliveSeconds: 1200,
} as const;

/** §3.5: 0 or above 1200 becomes 1200; 1–29 becomes 30. */
export function clampKeepalive(requested: number): number {
  if (requested <= 0 || requested > AWS_LIMITS.maxKeepaliveSeconds) return AWS_LIMITS.maxKeepaliveSeconds;
  return Math.max(AWS_LIMITS.minKeepaliveSeconds, requested);
}

export function checkClientId(clientId: string): string | undefined {
  const bytes = Buffer.byteLength(clientId, 'utf8');
  if (bytes === 0) return 'the client id is empty (AWS IoT requires 1-128 bytes)';
  if (bytes > AWS_LIMITS.maxClientIdBytes)
    return `the client id is ${bytes} bytes (AWS IoT allows at most 128)`;
  // Old quota table: the `$` prefix is reserved for client ids that AWS generates.
  if (clientId.startsWith('$')) return 'client ids starting with $ are reserved';
  return undefined;
}

function slashCount(topic: string): number {
  const ingest = /^\$aws\/rules\/[^/]+\//.exec(topic);
  const counted = ingest ? topic.slice(ingest[0].length) : topic;
  let n = 0;
  for (let i = 0; i < counted.length; i++) if (counted.charCodeAt(i) === 47) n++;
  return n;
}

function checkSize(topic: string, what: string): string | undefined {
  // MQTT 3.1.1 §1.5.3 [MQTT-1.5.3-2]: a UTF-8 string must not include U+0000; AWS closes the connection.
  if (topic.includes('\u0000')) return `${what} contains U+0000, which MQTT forbids`;
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > AWS_LIMITS.maxTopicBytes) return `${what} is ${bytes} bytes (AWS IoT allows at most 256)`;
  if (slashCount(topic) > AWS_LIMITS.maxTopicSlashes)
    return `${what} has more than 7 forward slashes (8 levels)`;
  return undefined;
}

// Reserved topics that devices may publish to (AWS IoT "reserved topics" page); `$aws/events` is
// subscribe-only and `$aws/rules` (Basic Ingest) publish-only.
const RESERVED_FOR_BOTH =
  /^\$aws\/(things\/[^/]+\/(shadow|jobs|tunnels|defender|streams)\/|certificates\/create(-from-csr)?\/|provisioning-templates\/[^/]+\/provision\/|device_location\/|commands\/|sitewise\/)/;
const RESERVED_PUBLISH_ONLY = /^\$aws\/rules\/[^/]+\//;

export function checkPublishTopic(topic: string): string | undefined {
  const size = checkSize(topic, 'the topic');
  if (size) return size;
  if (topic.startsWith('$') && !RESERVED_FOR_BOTH.test(topic) && !RESERVED_PUBLISH_ONLY.test(topic)) {
    return `${topic} is a reserved topic that clients may not publish to`;
  }
  return undefined;
}

export function checkSubscribeFilter(filter: string, qos: number): string | undefined {
  // §3.4: QoS 2 is not supported; AWS answers no SUBACK.
  if (qos > 1) return `QoS ${qos} is not supported (AWS IoT supports QoS 0 and 1)`;
  const size = checkSize(filter, 'the topic filter');
  if (size) return size;
  // Filters over AWS's own namespace are fine (what arrives is up to the publishers); `$SYS` and
  // other `$` roots do not exist on AWS IoT.
  if (filter.startsWith('$') && !filter.startsWith('$aws/')) {
    return `${filter} is a reserved topic filter that clients may not subscribe to`;
  }
  return undefined;
}

/**
 * MQTT topic matching as AWS IoT does it: like the spec except that `a/#` does not match the
 * parent `a` (§3.3), and wildcards at the first level never match `$` topics.
 */
export function awsFilterMatches(filter: string, topic: string): boolean {
  if ((filter.startsWith('+') || filter.startsWith('#')) && topic.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return t.length > i;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
