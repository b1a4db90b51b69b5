import type { Clock } from '../../../core/clock.js';
import { ErrorCode, SimError } from '../../../core/errors.js';
import type { Random } from '../../../core/random.js';
import type { EventLog } from '../../event-log.js';
import { isObject } from '../../services/shadow/json.js';
import type { StateChange, StateExpectation, StateStore } from '../../store/store.js';
import { KeyedQueue } from '../../services/shadow/keyed-queue.js';
import { uuidFrom } from '../account.js';
import type { NrfCloudBus } from '../bus.js';
import { commitChecked, type CheckedAttempt } from '../checked-commit.js';
import type { NrfCloudShadows } from '../shadows.js';
import { deviceTopics } from '../topics.js';
import { TERMINAL_STATUSES, type NrfCloudExecution, type NrfCloudJob } from '../types.js';
import { NrfCloudFirmwares } from './firmwares.js';
import { decodeJobRequest, decodeJobUpdate, encodeJob } from './job-arrays.js';

const PENDING = ['QUEUED', 'IN_PROGRESS', 'DOWNLOADING'];
const executionKey = (deviceId: string, jobId: string): string => `${deviceId}/${jobId}`;

/**
 * FOTA jobs and their executions (one per target device), in `nrfcloud-jobs` and
 * `nrfcloud-executions`, and the device side on `<prefix><id>/jobs/{req,rcv,update}`. A job may only
 * target devices whose shadow reports `device.serviceInfo.fota_v2` (or the older `fota_v1`) with the
 * bundle's type, as nRF Cloud requires.
 */
export class NrfCloudFota {
  /** One job's changes at a time: a status read-modify-write never interleaves with another. */
  private readonly queue = new KeyedQueue();

  constructor(
    readonly firmwares: NrfCloudFirmwares,
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly bus: NrfCloudBus,
    private readonly shadows: NrfCloudShadows,
    private readonly log: EventLog,
    private readonly prefix: string,
    /** `host[:port]` of the download server, as the job arrays carry it. */
    readonly downloadHost: () => string,
  ) {}

  private async supports(deviceId: string, type: string): Promise<boolean> {
    const reported = (await this.shadows.get(deviceId))?.state.reported;
    const device = reported?.device;
    const info = isObject(device) ? device.serviceInfo : undefined;
    const list = isObject(info) ? (info.fota_v2 ?? info.fota_v1) : undefined;
    return Array.isArray(list) && list.includes(type);
  }

  async create(
    input: { deviceIds: string[]; bundleId: string; name?: string; description?: string },
    exists: (id: string) => Promise<boolean>,
  ): Promise<NrfCloudJob> {
    const firmware = await this.firmwares.require(input.bundleId);
    if (input.deviceIds.length === 0)
      throw new SimError(ErrorCode.INVALID_ARGUMENT, 'deviceIdentifiers is empty');
    for (const id of input.deviceIds) {
      if (!(await exists(id))) throw new SimError(ErrorCode.NOT_FOUND, `no device ${id} in this team`);
      if (!(await this.supports(id, firmware.type)))
        throw new SimError(
          ErrorCode.INVALID_ARGUMENT,
          `device ${id} does not report support for ${firmware.type} FOTA (serviceInfo.fota_v2)`,
        );
    }
    const now = this.clock.now();
    const job: NrfCloudJob = {
      jobId: uuidFrom(this.random),
      ...(input.name ? { name: input.name } : {}),
      ...(input.description ? { description: input.description } : {}),
      bundleId: firmware.bundleId,
      firmware: {
        type: firmware.type,
        size: firmware.size,
        version: firmware.version,
        host: this.downloadHost(),
        path: NrfCloudFirmwares.downloadPath(firmware),
      },
      deviceIds: [...new Set(input.deviceIds)],
      status: 'IN_PROGRESS',
      createdAt: now,
      lastUpdatedAt: now,
    };
    const changes: StateChange[] = [{ collection: 'nrfcloud-jobs', key: job.jobId, value: job }];
    for (const deviceId of job.deviceIds) {
      const execution: NrfCloudExecution = {
        jobId: job.jobId,
        deviceId,
        status: 'QUEUED',
        createdAt: now,
        lastUpdatedAt: now,
      };
      changes.push({
        collection: 'nrfcloud-executions',
        key: executionKey(deviceId, job.jobId),
        value: execution,
      });
    }
    await this.store.commit(changes);
    // Connected devices hear of it at once, as from nRF Cloud.
    for (const deviceId of job.deviceIds)
      await this.bus.publish(
        deviceTopics(this.prefix, deviceId).jobsRcv,
        encodeJob(job, this.downloadHost()),
      );
    this.log.add({
      type: 'nrfcloud-fota-job',
      detail: `${job.jobId}: ${firmware.bundleId} to ${job.deviceIds.join(', ')}`,
    });
    return job;
  }

  getJob(jobId: string): Promise<NrfCloudJob | undefined> {
    return this.store.get<NrfCloudJob>('nrfcloud-jobs', jobId);
  }

  async requireJob(jobId: string): Promise<NrfCloudJob> {
    const job = await this.getJob(jobId);
    if (!job) throw new SimError(ErrorCode.NOT_FOUND, `no FOTA job ${jobId}`);
    return job;
  }

  async listJobs(): Promise<NrfCloudJob[]> {
    return (await this.store.list<NrfCloudJob>('nrfcloud-jobs')).map(([, j]) => j);
  }

  async executions(filter: { jobId?: string; deviceId?: string }): Promise<NrfCloudExecution[]> {
    return (await this.store.list<NrfCloudExecution>('nrfcloud-executions'))
      .map(([, e]) => e)
      .filter(
        (e) =>
          (filter.jobId === undefined || e.jobId === filter.jobId) &&
          (filter.deviceId === undefined || e.deviceId === filter.deviceId),
      );
  }

  getExecution(deviceId: string, jobId: string): Promise<NrfCloudExecution | undefined> {
    return this.store.get<NrfCloudExecution>('nrfcloud-executions', executionKey(deviceId, jobId));
  }

  /** Cancels a job: its unfinished executions become CANCELLED (devices are not told, as on nRF Cloud). */
  cancel(jobId: string): Promise<NrfCloudJob> {
    return this.queue.run(jobId, () => this.writeCancel(jobId));
  }

  private writeCancel(jobId: string): Promise<NrfCloudJob> {
    return commitChecked(this.store, `job ${jobId}`, async () => {
      const job = await this.requireJob(jobId);
      if (job.status !== 'IN_PROGRESS')
        throw new SimError(ErrorCode.INVALID_STATE, `job ${jobId} is ${job.status}`);
      const now = this.clock.now();
      const next: NrfCloudJob = { ...job, status: 'CANCELLED', lastUpdatedAt: now };
      const expect: StateExpectation[] = [{ collection: 'nrfcloud-jobs', key: jobId, value: job }];
      const changes: StateChange[] = [{ collection: 'nrfcloud-jobs', key: jobId, value: next }];
      for (const e of await this.executions({ jobId }))
        if (!TERMINAL_STATUSES.includes(e.status)) {
          const key = executionKey(e.deviceId, jobId);
          expect.push({ collection: 'nrfcloud-executions', key, value: e });
          changes.push({
            collection: 'nrfcloud-executions',
            key,
            value: { ...e, status: 'CANCELLED', lastUpdatedAt: now },
          });
        }
      return { expect, changes, result: next };
    });
  }

  async remove(jobId: string): Promise<void> {
    const job = await this.requireJob(jobId);
    if (job.status === 'IN_PROGRESS')
      throw new SimError(ErrorCode.INVALID_STATE, `job ${jobId} is in progress: cancel it first`);
    const changes: StateChange[] = [{ collection: 'nrfcloud-jobs', key: jobId, deleted: true }];
    for (const e of await this.executions({ jobId }))
      changes.push({
        collection: 'nrfcloud-executions',
        key: executionKey(e.deviceId, jobId),
        deleted: true,
      });
    await this.store.commit(changes);
  }

  /** Records a status (from the device on `jobs/update`, or REST); a finished execution stays as it is. */
  setStatus(
    deviceId: string,
    jobId: string,
    status: NrfCloudExecution['status'],
    progress?: number,
    detail?: string,
  ): Promise<NrfCloudExecution> {
    return this.queue.run(jobId, () => this.writeStatus(deviceId, jobId, status, progress, detail));
  }

  private async writeStatus(
    deviceId: string,
    jobId: string,
    status: NrfCloudExecution['status'],
    progress?: number,
    detail?: string,
  ): Promise<NrfCloudExecution> {
    // Checked against what was read: the device (through one node) and REST (through another)
    // may report at once; the job's COMPLETED is decided on every execution as read.
    return commitChecked(this.store, `job ${jobId} on ${deviceId}`, () =>
      this.statusAttempt(deviceId, jobId, status, progress, detail),
    );
  }

  private async statusAttempt(
    deviceId: string,
    jobId: string,
    status: NrfCloudExecution['status'],
    progress?: number,
    detail?: string,
  ): Promise<CheckedAttempt<NrfCloudExecution>> {
    const current = await this.getExecution(deviceId, jobId);
    if (!current)
      throw new SimError(ErrorCode.NOT_FOUND, `no execution of job ${jobId} on device ${deviceId}`);
    if (TERMINAL_STATUSES.includes(current.status)) return { expect: [], changes: [], result: current };
    const now = this.clock.now();
    const { statusDetail: _detail, progress: _progress, ...base } = current;
    const next: NrfCloudExecution = {
      ...base,
      status,
      ...(progress !== undefined
        ? { progress }
        : status === 'DOWNLOADING' && current.progress !== undefined
          ? { progress: current.progress }
          : {}),
      ...(detail ? { statusDetail: detail } : {}),
      lastUpdatedAt: now,
    };
    const key = executionKey(deviceId, jobId);
    const expect: StateExpectation[] = [{ collection: 'nrfcloud-executions', key, value: current }];
    const changes: StateChange[] = [{ collection: 'nrfcloud-executions', key, value: next }];
    const job = await this.getJob(jobId);
    if (job && job.status === 'IN_PROGRESS' && TERMINAL_STATUSES.includes(status)) {
      const others = (await this.executions({ jobId })).filter((e) => e.deviceId !== deviceId);
      if (others.every((e) => TERMINAL_STATUSES.includes(e.status))) {
        expect.push({ collection: 'nrfcloud-jobs', key: jobId, value: job });
        for (const e of others)
          expect.push({ collection: 'nrfcloud-executions', key: executionKey(e.deviceId, jobId), value: e });
        changes.push({
          collection: 'nrfcloud-jobs',
          key: jobId,
          value: { ...job, status: 'COMPLETED', lastUpdatedAt: now },
        });
      }
    }
    return { expect, changes, result: next };
  }

  /** The job a device should run now: its newest unfinished execution of a job still in progress. */
  async current(deviceId: string): Promise<NrfCloudJob | undefined> {
    const pending = (await this.executions({ deviceId }))
      .filter((e) => PENDING.includes(e.status))
      .sort((a, b) => b.createdAt - a.createdAt);
    for (const e of pending) {
      const job = await this.getJob(e.jobId);
      if (job?.status === 'IN_PROGRESS') return job;
    }
    return undefined;
  }

  /** `jobs/req`: `[""]` answers with the current job (nothing when there is none), `["<jobId>"]` with that job. */
  async deviceRequest(deviceId: string, payload: Buffer): Promise<void> {
    const request = decodeJobRequest(payload);
    let job: NrfCloudJob | undefined;
    if (request.kind === 'current') job = await this.current(deviceId);
    else if (request.kind === 'job') {
      const found = await this.getJob(request.jobId);
      job = found && (await this.getExecution(deviceId, found.jobId)) ? found : undefined;
    } else this.log.add({ type: 'nrfcloud-fota-bad-request', clientId: deviceId, detail: request.reason });
    if (job)
      await this.bus.publish(
        deviceTopics(this.prefix, deviceId).jobsRcv,
        encodeJob(job, this.downloadHost()),
      );
  }

  /** `jobs/update`: stored before the device gets its PUBACK. */
  async deviceUpdate(deviceId: string, payload: Buffer): Promise<void> {
    const update = decodeJobUpdate(payload);
    if (update.kind === 'invalid') {
      this.log.add({ type: 'nrfcloud-fota-bad-update', clientId: deviceId, detail: update.reason });
      return;
    }
    if (!(await this.getExecution(deviceId, update.jobId))) {
      this.log.add({
        type: 'nrfcloud-fota-bad-update',
        clientId: deviceId,
        detail: `no execution of job ${update.jobId}`,
      });
      return;
    }
    const e = await this.setStatus(deviceId, update.jobId, update.status, update.progress, update.detail);
    this.log.add({
      type: 'nrfcloud-fota-status',
      clientId: deviceId,
      detail: `${update.jobId}: ${e.status}${e.statusDetail ? ` (${e.statusDetail})` : ''}`,
    });
  }
}
