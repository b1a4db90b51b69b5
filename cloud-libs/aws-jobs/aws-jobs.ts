import type { MqttClient } from 'mqtt';

type IMessageIdProvider = MqttClient['messageIdProvider'];

/**
 * aws_jobs (NCS, `subsys/net/lib/aws_jobs`): the Jobs topics a device subscribes and publishes, the
 * update request in the library's exact text, and its topic comparison. Subscriptions carry the
 * library's fixed MQTT message ids, which aws_fota keys its state machine on.
 */

/** `enum execution_status`. */
export type AwsJobsExecutionStatus =
  'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REJECTED' | 'REMOVED' | 'CANCELED';

export const SUBSCRIBE_ID_BASE = 2110;
export const SUBSCRIBE_NOTIFY = 2111;
export const SUBSCRIBE_NOTIFY_NEXT = 2112;
export const SUBSCRIBE_GET = 2113;
export const SUBSCRIBE_JOB_ID_GET = 2114;
export const SUBSCRIBE_JOB_ID_UPDATE = 2115;
export const SUBSCRIBE_EXPECTED = 2120;

/** Longest job id (AWS allows 64 characters). */
export const AWS_JOBS_JOB_ID_MAX_LEN = 64;

export interface AwsJobsTopicConf {
  msgId: number;
  name: string;
  suffix: string;
}

export const TOPIC_NOTIFY_NEXT: AwsJobsTopicConf = {
  msgId: SUBSCRIBE_NOTIFY_NEXT,
  name: 'notify-next',
  suffix: '',
};
export const TOPIC_NOTIFY: AwsJobsTopicConf = { msgId: SUBSCRIBE_NOTIFY, name: 'notify', suffix: '' };
export const TOPIC_GET: AwsJobsTopicConf = { msgId: SUBSCRIBE_JOB_ID_GET, name: 'get', suffix: '/#' };
export const TOPIC_UPDATE: AwsJobsTopicConf = {
  msgId: SUBSCRIBE_JOB_ID_UPDATE,
  name: 'update',
  suffix: '/#',
};

/** `$aws/things/<clientId>/jobs/[<jobId>/]<name>[<suffix>]` (publishes leave the suffix out). */
export function awsJobsTopic(
  clientId: string,
  jobId: string,
  conf: AwsJobsTopicConf,
  withSuffix: boolean,
): string {
  return `$aws/things/${clientId}/jobs/${jobId}${jobId.length > 0 ? '/' : ''}${conf.name}${withSuffix ? conf.suffix : ''}`;
}

/**
 * `aws_jobs_cmp`: the received topic starts with the subscribed one (its trailing `/#` removed)
 * and, when a suffix is given, ends with it.
 */
export function awsJobsCmp(sub: string, pub: string, suffix: string): boolean {
  if (sub === '' || pub === '') return false;
  const base = sub.endsWith('#') ? sub.slice(0, -2) : sub;
  if (!pub.startsWith(base)) return false;
  return suffix.length === 0 || pub.endsWith(suffix);
}

/** The update request exactly as aws_jobs formats it: `expectedVersion` is a quoted string. */
export function awsJobsUpdatePayload(
  status: AwsJobsExecutionStatus,
  statusDetails: string,
  expectedVersion: number,
  clientToken = '',
): string {
  return (
    `{"status":"${status}","statusDetails": ${statusDetails},` +
    `"expectedVersion": "${expectedVersion}","clientToken": "${clientToken}"}`
  );
}

/** The `$next/get` request payload. */
export const AWS_JOBS_GET_PAYLOAD = '{"clientToken": ""}';

/**
 * Hands out the message id the next SUBSCRIBE must carry, then falls back to mqtt.js's own
 * numbering: how the library's fixed ids (2112, 2114, 2115) reach the wire through mqtt.js.
 */
export class FixedMessageIds implements IMessageIdProvider {
  private armed: number | undefined;
  private last: number | null = null;

  constructor(private readonly inner: IMessageIdProvider) {}

  /** Installs itself on `client` (once) and returns the installed provider. */
  static on(client: MqttClient): FixedMessageIds {
    if (client.messageIdProvider instanceof FixedMessageIds) return client.messageIdProvider;
    const provider = new FixedMessageIds(client.messageIdProvider);
    client.messageIdProvider = provider;
    return provider;
  }

  /** The next allocation returns `id`. */
  next(id: number): void {
    this.armed = id;
  }

  allocate(): number | null {
    const id = this.armed ?? this.inner.allocate();
    this.armed = undefined;
    this.last = id;
    return id;
  }

  getLastAllocated(): number | null {
    return this.last;
  }

  register(num: number): boolean {
    return this.inner.register(num);
  }

  deallocate(num: number): void {
    this.inner.deallocate(num);
  }

  clear(): void {
    this.armed = undefined;
    this.inner.clear();
  }
}

/** Subscribes `topic` at QoS 1 with the library's message id; resolves at the SUBACK. */
export function awsJobsSubscribe(client: MqttClient, topic: string, msgId: number): Promise<void> {
  FixedMessageIds.on(client).next(msgId);
  return new Promise((resolve, reject) => {
    client.subscribe(topic, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
  });
}
