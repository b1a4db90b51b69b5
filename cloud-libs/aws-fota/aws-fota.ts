import type { MqttClient } from 'mqtt';
import type { Clock } from '../../core/clock.js';
import { StateMachine } from '../../core/state-machine.js';
import { trace } from '../../core/trace.js';
import type { DeviceSockets } from '../../modem/sockets/index.js';
import {
  AWS_JOBS_GET_PAYLOAD,
  AWS_JOBS_JOB_ID_MAX_LEN,
  TOPIC_GET,
  TOPIC_NOTIFY_NEXT,
  TOPIC_UPDATE,
  awsJobsCmp,
  awsJobsSubscribe,
  awsJobsTopic,
  awsJobsUpdatePayload,
  type AwsJobsExecutionStatus,
} from '../aws-jobs/index.js';
import type { DfuTarget } from '../dfu-target/index.js';
import { FotaDownload, type FotaDownloadEvt, type FotaDownloadKconfig } from '../fota-download/index.js';

/** `struct aws_fota_event`. */
export type AwsFotaEvt =
  | { id: 'AWS_FOTA_EVT_START' }
  /** The image is in place and the job SUCCEEDED: reboot to run it. */
  | { id: 'AWS_FOTA_EVT_DONE' }
  | { id: 'AWS_FOTA_EVT_ERROR' }
  | { id: 'AWS_FOTA_EVT_ERASE_PENDING' }
  | { id: 'AWS_FOTA_EVT_ERASE_DONE' }
  | { id: 'AWS_FOTA_EVT_DL_PROGRESS'; progress: number };

export type AwsFotaCallback = (evt: AwsFotaEvt) => void;

/**
 * aws_fota's `fota_state`: where the update is. `ERROR` is the later library's `STATE_ERROR`: the
 * job failed and its FAILED status is not accepted yet; new executions wait until it is.
 */
export type AwsFotaState = 'NONE' | 'DOWNLOAD_FIRMWARE' | 'APPLY_UPDATE' | 'ERROR';

export interface AwsFotaOptions {
  /** The MQTT client id, which is the thing name in the Jobs topics. */
  clientId: string;
  sockets: DeviceSockets;
  clock: Clock;
  dfu: DfuTarget;
  /** CONFIG_AWS_FOTA_DOWNLOAD_SECURITY_TAG: -1 (default) downloads over HTTP. */
  secTag?: number;
  /** Fragment size for fota_download (0: download_client's default); 1024 or less for HTTPS. */
  fragmentSize?: number;
  /** Options of the fota_download underneath (progress events are always on, as aws_fota selects). */
  fotaDownload?: Partial<FotaDownloadKconfig>;
}

/** The job the device works on. */
export interface AwsFotaJob {
  jobId: string;
  host: string;
  path: string;
  /** The execution's versionNumber as the device counts it (expectedVersion of its next update). */
  versionNumber: number;
}

const LEGAL: Readonly<Record<AwsFotaState, readonly AwsFotaState[]>> = {
  NONE: ['DOWNLOAD_FIRMWARE'],
  DOWNLOAD_FIRMWARE: ['APPLY_UPDATE', 'ERROR', 'NONE'],
  APPLY_UPDATE: ['ERROR', 'NONE'],
  ERROR: ['NONE'],
};

/** What the job document must hold (`aws_fota_parse_job_document`); undefined: -ENODATA. */
export function parseJobExecution(payload: string): AwsFotaJob | 'no-job' | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const execution = (doc as Record<string, unknown>).execution;
  if (execution === undefined) return 'no-job';
  if (typeof execution !== 'object' || execution === null) return undefined;
  const ex = execution as Record<string, unknown>;
  const jobId = ex.jobId;
  const versionNumber = ex.versionNumber;
  const document = ex.jobDocument as Record<string, unknown> | undefined;
  const location = document?.location as Record<string, unknown> | undefined;
  if (typeof jobId !== 'string' || jobId.length === 0 || jobId.length > AWS_JOBS_JOB_ID_MAX_LEN)
    return undefined;
  if (typeof versionNumber !== 'number' || !location) return undefined;
  if (typeof location.host === 'string' && typeof location.path === 'string') {
    return { jobId, host: location.host, path: location.path.replace(/^\//, ''), versionNumber };
  }
  if (typeof location.url === 'string') {
    // `location.url`: the scheme and authority are the host, the rest (without its leading slash)
    // the file.
    const m = /^([a-z]+:\/\/[^/]+)\/?(.*)$/i.exec(location.url);
    if (!m) return undefined;
    return { jobId, host: m[1] as string, path: m[2] as string, versionNumber };
  }
  return undefined;
}

/**
 * aws_fota (NCS, `subsys/net/lib/aws_fota`, the v1.5-era state machine): finds the next job for the
 * thing over the AWS IoT Jobs MQTT API, marks it IN_PROGRESS, downloads the image with
 * fota_download, marks it IN_PROGRESS again, then SUCCEEDED (before the reboot), and reports DONE.
 * A failed download marks the job FAILED; a job that fails or is dropped stops its download and
 * resets the dfu_target, so a reboot never installs the image of a job the cloud did not see
 * SUCCEEDED. It rides on the application's MQTT client: call
 * {@link onConnack} with the CONNACK's session-present flag, or let it follow the client's
 * `connect` events (the default).
 */
export class AwsFota {
  readonly machine: StateMachine<AwsFotaState>;
  private readonly fota: FotaDownload;
  private job: AwsFotaJob | undefined;
  private executionState: AwsJobsExecutionStatus = 'QUEUED';
  /** fota_download was started for this job: giving the job up must undo what it wrote. */
  private downloadStarted = false;
  /** The last update request sent and not yet accepted: sent again after a reconnect. */
  private pendingUpdate: { status: AwsJobsExecutionStatus; statusDetails: string } | undefined;
  private readonly notifyNextTopic: string;
  private readonly getTopic: string;
  private readonly getPublishTopic: string;

  private client: MqttClient | undefined;
  private readonly onConnect = (connack: { sessionPresent: boolean }): void =>
    this.onConnack(connack.sessionPresent);
  private readonly onMessage = (topic: string, payload: Buffer): void => this.onPublish(topic, payload);

  /**
   * `client` may be given later with {@link attach}: aws_fota is initialised once and follows the
   * application's connection across reconnects, with its job and download intact.
   */
  constructor(
    client: MqttClient | undefined,
    private readonly options: AwsFotaOptions,
    private readonly callback: AwsFotaCallback,
  ) {
    const id = options.clientId;
    this.notifyNextTopic = awsJobsTopic(id, '', TOPIC_NOTIFY_NEXT, true);
    this.getTopic = awsJobsTopic(id, '$next', TOPIC_GET, true);
    this.getPublishTopic = awsJobsTopic(id, '$next', TOPIC_GET, false);
    this.machine = new StateMachine<AwsFotaState>('aws_fota', 'NONE', LEGAL, id);
    this.fota = new FotaDownload(
      options.sockets,
      options.clock,
      options.dfu,
      (evt) => this.onFotaDownloadEvt(evt),
      { ...options.fotaDownload, progressEvt: true },
    );
    if (client) this.attach(client);
  }

  /** Follows `client` from now on (a new connection of the application) instead of the previous one. */
  attach(client: MqttClient): void {
    if (client === this.client) return;
    this.client?.off('connect', this.onConnect);
    this.client?.off('message', this.onMessage);
    this.client = client;
    client.on('connect', this.onConnect);
    client.on('message', this.onMessage);
  }

  get state(): AwsFotaState {
    return this.machine.state;
  }

  /** aws_fota_get_job_id: the job being worked on, '' when none. */
  getJobId(): string {
    return this.job?.jobId ?? '';
  }

  /** The fota_download underneath. */
  get fotaDownload(): FotaDownload {
    return this.fota;
  }

  /** CONNACK: subscribe notify-next and `$next/get/#` (a present session has them), then ask for the next job. */
  onConnack(sessionPresent: boolean): void {
    const client = this.client;
    if (!client) return;
    if (sessionPresent) {
      this.publish(this.getPublishTopic, AWS_JOBS_GET_PAYLOAD);
      this.resendPendingUpdate();
      return;
    }
    const notifyNext = awsJobsSubscribe(client, this.notifyNextTopic, TOPIC_NOTIFY_NEXT.msgId);
    const get = awsJobsSubscribe(client, this.getTopic, TOPIC_GET.msgId);
    // A new session while a job runs: its update responses must reach this connection too.
    const job = this.job;
    if (job) {
      const updateTopic = awsJobsTopic(this.options.clientId, job.jobId, TOPIC_UPDATE, true);
      awsJobsSubscribe(client, updateTopic, TOPIC_UPDATE.msgId).then(
        () => this.resendPendingUpdate(),
        () => this.failed(client),
      );
    }
    // SUBACK for notify-next: ask for the next pending execution.
    notifyNext.then(
      () => this.publish(this.getPublishTopic, AWS_JOBS_GET_PAYLOAD),
      () => this.failed(client),
    );
    get.catch(() => this.failed(client));
  }

  private onPublish(topic: string, payload: Buffer): void {
    const text = payload.toString('utf8');
    if (topic === this.notifyNextTopic || awsJobsCmp(this.getTopic, topic, 'accepted')) {
      this.onJobExecution(text);
      return;
    }
    const job = this.job;
    if (!job) return;
    const updateTopic = awsJobsTopic(this.options.clientId, job.jobId, TOPIC_UPDATE, true);
    if (awsJobsCmp(updateTopic, topic, 'accepted')) this.onUpdateAccepted();
    else if (awsJobsCmp(updateTopic, topic, 'rejected')) {
      // Any rejection ends the update; aws_iot drops the connection on the error it returns.
      this.error();
    }
  }

  private onJobExecution(text: string): void {
    if (this.state !== 'NONE') return;
    const parsed = parseJobExecution(text);
    if (parsed === 'no-job' || parsed === undefined) return;
    this.job = { ...parsed };
    this.executionState = 'QUEUED';
    this.machine.transition('DOWNLOAD_FIRMWARE');
    const updateTopic = awsJobsTopic(this.options.clientId, parsed.jobId, TOPIC_UPDATE, true);
    if (!this.client) return;
    const client = this.client;
    awsJobsSubscribe(client, updateTopic, TOPIC_UPDATE.msgId).then(
      // SUBACK for the job's update topics: the job is taken up.
      () => this.updateJob('IN_PROGRESS', '{"nextState":"download_firmware"}'),
      () => this.failed(client),
    );
  }

  private onUpdateAccepted(): void {
    const job = this.job as AwsFotaJob;
    job.versionNumber++;
    this.pendingUpdate = undefined;
    if (this.state === 'DOWNLOAD_FIRMWARE' && this.executionState !== 'IN_PROGRESS') {
      const err = this.fota.start(
        job.host,
        job.path,
        this.options.secTag ?? -1,
        0,
        this.options.fragmentSize ?? 0,
      );
      if (err !== 0) {
        this.failJob();
        return;
      }
      this.downloadStarted = true;
      this.executionState = 'IN_PROGRESS';
      this.callback({ id: 'AWS_FOTA_EVT_START' });
    } else if (this.state === 'APPLY_UPDATE' && this.executionState === 'IN_PROGRESS') {
      this.executionState = 'SUCCEEDED';
      this.updateJob('SUCCEEDED', '{"nextState":"none"}');
    } else if (this.executionState === 'SUCCEEDED') {
      this.reset();
      this.callback({ id: 'AWS_FOTA_EVT_DONE' });
    } else if (this.executionState === 'FAILED') {
      this.reset();
      // The later library asks for the next job at once: one queued meanwhile starts now.
      this.publish(this.getPublishTopic, AWS_JOBS_GET_PAYLOAD);
    }
  }

  private onFotaDownloadEvt(evt: FotaDownloadEvt): void {
    // Only the download of the job being worked on counts.
    if (this.state !== 'DOWNLOAD_FIRMWARE') return;
    switch (evt.id) {
      case 'FOTA_DOWNLOAD_EVT_PROGRESS':
        this.callback({ id: 'AWS_FOTA_EVT_DL_PROGRESS', progress: evt.progress });
        break;
      case 'FOTA_DOWNLOAD_EVT_ERASE_PENDING':
        this.callback({ id: 'AWS_FOTA_EVT_ERASE_PENDING' });
        break;
      case 'FOTA_DOWNLOAD_EVT_ERASE_DONE':
        this.callback({ id: 'AWS_FOTA_EVT_ERASE_DONE' });
        break;
      case 'FOTA_DOWNLOAD_EVT_FINISHED':
        this.callback({ id: 'AWS_FOTA_EVT_DL_PROGRESS', progress: 100 });
        this.machine.transition('APPLY_UPDATE');
        this.updateJob('IN_PROGRESS', '{"nextState":"apply_update"}');
        break;
      case 'FOTA_DOWNLOAD_EVT_ERROR':
        this.failJob();
        break;
      default:
        break;
    }
  }

  /**
   * A failed download: the job is marked FAILED and the application hears ERROR. Until the FAILED
   * update is accepted (sent again after a reconnect) no other job is taken up.
   */
  private failJob(): void {
    this.abandonDownload();
    this.executionState = 'FAILED';
    this.machine.transition('ERROR');
    this.updateJob('FAILED', '{"nextState":"none"}');
    this.callback({ id: 'AWS_FOTA_EVT_ERROR' });
  }

  /**
   * The job's download is given up: it stops (fota_download_cancel) and the target is reset
   * (dfu_target_reset), which leaves nothing pending for MCUboot, not even a complete image.
   */
  private abandonDownload(): void {
    if (!this.downloadStarted) return;
    this.downloadStarted = false;
    this.fota.cancel();
    void this.options.dfu.reset();
  }

  private updateJob(status: AwsJobsExecutionStatus, statusDetails: string): void {
    const job = this.job;
    if (!job) return;
    this.pendingUpdate = { status, statusDetails };
    trace('fota:job', { device: this.options.clientId, jobId: job.jobId, status, statusDetails });
    const topic = awsJobsTopic(this.options.clientId, job.jobId, TOPIC_UPDATE, false);
    this.publish(topic, awsJobsUpdatePayload(status, statusDetails, job.versionNumber));
  }

  /** After a reconnect, the update request the broker has not answered is sent again. */
  private resendPendingUpdate(): void {
    const pending = this.pendingUpdate;
    if (pending && this.job) this.updateJob(pending.status, pending.statusDetails);
  }

  private publish(topic: string, payload: string): void {
    const client = this.client;
    client?.publish(topic, payload, { qos: 1 }, (err) => {
      if (err) this.failed(client);
    });
  }

  /**
   * A publish or subscribe that failed: a job error, unless the connection closed under it — then
   * the job carries on and the next CONNACK subscribes and sends again.
   */
  private failed(client: MqttClient): void {
    if (client !== this.client || !client.connected) return;
    this.error();
  }

  private error(): void {
    this.abandonDownload();
    this.reset();
    this.callback({ id: 'AWS_FOTA_EVT_ERROR' });
  }

  private reset(): void {
    if (this.state !== 'NONE') this.machine.transition('NONE');
    this.downloadStarted = false;
    this.job = undefined;
    this.pendingUpdate = undefined;
    this.executionState = 'QUEUED';
  }
}
