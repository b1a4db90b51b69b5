import { durationMs, shareFraction } from './load.js';
import type { ScenarioAction } from './schema.js';
import type { StepContext, StepRecord } from './context.js';
import { seededOrder } from './targets.js';

type FotaAction = Extract<ScenarioAction, { action: 'fota' }>;

const BUCKET = 'nrf91sim-scenario';
const DEFAULT_STAGE_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 5000;

/**
 * A staged FOTA campaign through AWS IoT Jobs and the S3 stand-in: the image (the group's
 * application and configuration at the campaign's version) goes to S3 once; each stage is one job
 * for its share of the targets (in a seeded order, shares counted from the first stage), and the
 * stage ends when every device in it runs the new version or its timeout passes. A stage with a
 * `minSuccess` starts only when that share of the devices so far succeeded. A device succeeded when
 * it runs the campaign's version at the end of its stage.
 */
export async function runFota(
  a: FotaAction,
  targets: string[],
  record: StepRecord,
  ctx: StepContext,
): Promise<void> {
  const s3 = ctx.broker.fixtures?.s3;
  if (!s3?.httpUrl) {
    record.errors.push('fota: needs the stand-in started by the scenario (its S3 stand-in on HTTP)');
    return;
  }
  const image = ctx.imageFor(targets[0] ?? '', a.version);
  const key = `${ctx.scenario}/${record.index}/app_update_${a.version}.bin`;
  if (!(await s3.store.bucketExists(BUCKET))) await s3.store.createBucket(BUCKET);
  await s3.store.putObject(BUCKET, key, image);
  const order = seededOrder(targets, `${ctx.seed}:fota:${record.index}`);
  const succeeded = new Set<string>();
  let done = 0;
  for (const [k, stage] of a.stages.entries()) {
    if (
      stage.minSuccess !== undefined &&
      done > 0 &&
      succeeded.size / done < shareFraction(stage.minSuccess)
    ) {
      record.errors.push(
        `fota: stage ${k + 1} not started: ${succeeded.size} of ${done} succeeded, under ${String(stage.minSuccess)}`,
      );
      break;
    }
    const upTo = Math.min(order.length, Math.ceil(shareFraction(stage.share) * order.length));
    const devices = order.slice(done, upTo);
    done = Math.max(done, upTo);
    if (devices.length === 0) continue;
    const jobId = `${ctx.scenario}-${record.index}-${k + 1}-${ctx.seed}`
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 64);
    ctx.log({ kind: 'step', step: record.index, action: `fota stage ${k + 1}`, targets: devices });
    try {
      await ctx.broker.request('PUT', `/jobs/${encodeURIComponent(jobId)}`, {
        targets: devices.map((d) => `thing/${ctx.thingOf(d)}`),
        document: {
          operation: 'app_fw_update',
          fwversion: `v${a.version}`,
          size: image.length,
          location: { protocol: 'http:', host: new URL(s3.httpUrl).host, path: `${BUCKET}/${key}` },
        },
      });
    } catch (err) {
      record.errors.push(`fota: job ${jobId}: ${(err as Error).message}`);
      for (const d of devices) ctx.outcomes.fota.push({ device: d, succeeded: false });
      continue;
    }
    const deadline =
      ctx.elapsed() + (stage.timeout !== undefined ? durationMs(stage.timeout) : DEFAULT_STAGE_TIMEOUT_MS);
    let waiting = [...devices];
    while (waiting.length > 0 && ctx.elapsed() < deadline && !ctx.signal.aborted) {
      try {
        await ctx.time.sleep(POLL_MS, ctx.signal);
      } catch {
        break;
      }
      const versions = await Promise.all(
        waiting.map((d) =>
          ctx
            .control(d, { action: 'status' })
            .then((s) => (s as { version?: string }).version)
            .catch(() => undefined),
        ),
      );
      waiting = waiting.filter((d, i) => {
        if (versions[i] !== a.version) return true;
        succeeded.add(d);
        return false;
      });
    }
    for (const d of devices) ctx.outcomes.fota.push({ device: d, succeeded: succeeded.has(d) });
  }
}
