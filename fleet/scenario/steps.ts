import type { ControlRequest } from '../../firmware/control/index.js';
import { runFota } from './fota.js';
import { durationMs } from './load.js';
import type { ScenarioAction, ScenarioStep } from './schema.js';
import { chooseTargets } from './targets.js';
import type { StepContext, StepRecord } from './context.js';

/** The control request a fault sends, and the one that undoes it after `duration`. */
function faultRequests(a: ScenarioAction): { apply: ControlRequest; restore?: ControlRequest } | undefined {
  switch (a.action) {
    case 'coverage-loss':
      return { apply: { action: 'coverage', on: false }, restore: { action: 'coverage', on: true } };
    case 'coverage-return':
      return { apply: { action: 'coverage', on: true } };
    case 'signal':
      return {
        apply: {
          action: 'signal',
          ...(a.rsrp !== undefined ? { rsrp: a.rsrp } : {}),
          ...(a.rsrq !== undefined ? { rsrq: a.rsrq } : {}),
          ...(a.snr !== undefined ? { snr: a.snr } : {}),
        },
      };
    case 'pdn-drop':
      return { apply: { action: 'pdn-drop' } };
    case 'sim-removal':
      return { apply: { action: 'sim', inserted: false }, restore: { action: 'sim', inserted: true } };
    case 'deny':
      return { apply: { action: 'deny', cause: a.cause }, restore: { action: 'allow' } };
    case 'reboot':
      return { apply: { action: 'reboot' } };
    case 'power-cut':
      return { apply: { action: 'power-cut' } };
    default:
      return undefined;
  }
}

async function onEach(
  ctx: StepContext,
  record: StepRecord,
  devices: readonly string[],
  request: ControlRequest,
): Promise<void> {
  await Promise.all(
    devices.map((d) =>
      ctx.control(d, request).catch((err: unknown) => {
        record.errors.push(`${d}: ${request.action}: ${(err as Error).message}`);
      }),
    ),
  );
}

/** Runs one step to its end (a fault with a duration ends when it is undone). */
export async function runStep(step: ScenarioStep, record: StepRecord, ctx: StepContext): Promise<void> {
  const a = step.do;
  record.startedAt = ctx.elapsed();
  const targets =
    a.action === 'broker-restart'
      ? []
      : chooseTargets(ctx.devicesOf(a.group), { share: a.share, count: a.count }, ctx.seed, record.index);
  record.targets = targets;
  ctx.log({ kind: 'step', step: record.index, action: a.action, targets });
  const fault = faultRequests(a);
  if (fault) {
    await onEach(ctx, record, targets, fault.apply);
    const duration = 'duration' in a && a.duration !== undefined ? durationMs(a.duration) : undefined;
    if (fault.restore && duration !== undefined) {
      try {
        await ctx.time.sleep(duration, ctx.signal);
      } catch {
        return;
      }
      await onEach(ctx, record, targets, fault.restore);
    }
  } else if (a.action === 'shadow-desired') {
    await Promise.all(
      targets.map(async (d) => {
        const thing = ctx.thingOf(d);
        try {
          await ctx.broker.request('POST', `/things/${encodeURIComponent(thing)}/shadow`, {
            state: { desired: a.desired },
          });
          ctx.shadowChanges.push({ thing, desired: a.desired });
        } catch (err) {
          record.errors.push(`${thing}: shadow update: ${(err as Error).message}`);
          ctx.outcomes.shadow.push({ thing, updated: false });
        }
      }),
    );
  } else if (a.action === 'broker-restart') {
    const restart = ctx.broker.restart;
    if (!restart)
      record.errors.push('broker-restart: the broker is not run by this scenario (nrf91sim broker runs it)');
    else {
      const downtime = a.downtime !== undefined ? durationMs(a.downtime) : 0;
      await restart(() => ctx.time.sleep(downtime).catch(() => undefined)).catch((err: unknown) => {
        record.errors.push(`broker-restart: ${(err as Error).message}`);
      });
    }
  } else if (a.action === 'fota') {
    await runFota(a, targets, record, ctx);
  } else {
    record.errors.push(`${a.action}: this runner does not carry it out yet`);
  }
  for (const e of record.errors) ctx.log({ kind: 'step-error', step: record.index, message: e });
  record.doneAt = ctx.elapsed();
  ctx.log({ kind: 'step-done', step: record.index, action: a.action });
}

/** True when `doc` holds every key of `want` with the same value (objects compared key by key). */
export function holds(doc: unknown, want: unknown): boolean {
  if (typeof want !== 'object' || want === null || Array.isArray(want)) {
    return JSON.stringify(doc) === JSON.stringify(want);
  }
  if (typeof doc !== 'object' || doc === null) return false;
  return Object.entries(want).every(([k, v]) => holds((doc as Record<string, unknown>)[k], v));
}
