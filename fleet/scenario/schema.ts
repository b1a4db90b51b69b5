import { z } from 'zod';

/**
 * The scenario file (YAML or JSON): device groups, a timeline of faults and cloud changes, and
 * expectations that decide the exit code. `docs/scenario.schema.json` is this schema as JSON
 * Schema (`scenarioJsonSchema()`); docs/scenarios.md explains every field.
 */

/** A length of device time: seconds as a number, or `500ms`, `30s`, `2m`, `1h`, `1d`. */
export const Duration = z.union([
  z.number().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 2m, 1h or 1d'),
]);

/** A share of a group: `20%`, or a fraction 0-1. */
export const Share = z.union([
  z.number().min(0).max(1),
  z.string().regex(/^\d+(\.\d+)?%$/, 'a percentage such as 20%'),
]);

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, 'letters, digits, _ . - (max 40)');

export const Group = z.strictObject({
  name: Name,
  count: z.number().int().min(1).max(100_000),
  /** The application the group's image runs (a fleet application: aws_iot). */
  app: z.literal('aws_iot').default('aws_iot'),
  /** Image configuration merged over the fleet's (endpoint and credentials come from the fleet). */
  config: z.record(z.string(), z.unknown()).optional(),
  version: z
    .string()
    .regex(/^\d+\.\d+\.\d+$/, 'a version such as 1.0.0')
    .default('1.0.0'),
  /** Modem profile (JSON): network timings, radio, sensors … */
  profile: z.record(z.string(), z.unknown()).optional(),
  link: z.enum(['ideal', 'lte-m', 'nb-iot']).optional(),
  /** Seeds the group's device identities (default: the scenario seed and the group name). */
  seed: z.string().min(1).optional(),
});

/** Which devices a step touches: a group (default all groups) and a share or a count of it. */
const Target = {
  group: Name.optional(),
  share: Share.optional(),
  count: z.number().int().min(1).optional(),
};

const Fault = <T extends string>(action: T) => z.strictObject({ action: z.literal(action), ...Target });

export const Action = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('coverage-loss'),
    ...Target,
    /** Coverage comes back after this long (default: only with a coverage-return step). */
    duration: Duration.optional(),
  }),
  Fault('coverage-return'),
  z.strictObject({
    action: z.literal('signal'),
    ...Target,
    rsrp: z.number().min(-140).max(-44).optional(),
    rsrq: z.number().min(-19.5).max(-3).optional(),
    snr: z.number().min(-24).max(103).optional(),
  }),
  Fault('pdn-drop'),
  z.strictObject({ action: z.literal('sim-removal'), ...Target, duration: Duration.optional() }),
  z.strictObject({
    action: z.literal('deny'),
    ...Target,
    cause: z.number().int().min(0).max(255).default(15),
    duration: Duration.optional(),
  }),
  Fault('reboot'),
  Fault('power-cut'),
  z.strictObject({
    action: z.literal('broker-restart'),
    /** How long the broker stays down (device time, default 0). */
    downtime: Duration.optional(),
  }),
  z.strictObject({
    action: z.literal('shadow-desired'),
    ...Target,
    desired: z.record(z.string(), z.unknown()),
  }),
  z.strictObject({
    action: z.literal('fota'),
    ...Target,
    /** The version the campaign installs (same application and configuration as the group's). */
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'a version such as 1.1.0'),
    stages: z
      .array(
        z.strictObject({
          share: Share,
          /** Go on to this stage only when at least this share of the previous stages succeeded. */
          minSuccess: Share.optional(),
          /** How long a stage may take before it is judged (default 10m). */
          timeout: Duration.optional(),
        }),
      )
      .min(1)
      .default([{ share: '100%' }]),
  }),
]);

/** When a step runs: at a time from the start, or on an event (then `after` a delay). */
export const Step = z
  .strictObject({
    id: Name.optional(),
    at: Duration.optional(),
    on: z.enum(['all-ready', 'step-done']).optional(),
    /** For `on: step-done`: the step's id. */
    step: Name.optional(),
    after: Duration.optional(),
    do: Action,
  })
  .refine((s) => (s.at === undefined) !== (s.on === undefined), {
    message: 'give either at (a time) or on (an event), not both',
  })
  .refine((s) => s.on !== 'step-done' || s.step !== undefined, {
    message: 'on: step-done needs step: <id>',
  });

const Bound = z.strictObject({ under: z.number().optional(), atLeast: z.number().optional() });

export const Expectation = z.discriminatedUnion('expect', [
  z.strictObject({ expect: z.literal('all-ready'), group: Name.optional(), within: Duration }),
  z.strictObject({ expect: z.literal('boot-to-ready-p95'), group: Name.optional(), under: Duration }),
  z.strictObject({ expect: z.literal('fota-success'), atLeast: Share }),
  z.strictObject({ expect: z.literal('no-bricked'), group: Name.optional() }),
  z.strictObject({ expect: z.literal('ready-at-end'), group: Name.optional(), atLeast: Share }),
  /** The share of the things a shadow-desired step targeted whose shadow holds the change at the end. */
  z.strictObject({ expect: z.literal('shadow-updated'), atLeast: Share }),
  z.strictObject({
    expect: z.literal('energy'),
    group: Name.optional(),
    /** Mean current per device in µA (µAh per hour). */
    averageUa: Bound,
  }),
]);

export const Scenario = z.strictObject({
  name: Name,
  description: z.string().optional(),
  /** Seeds every choice of devices; `--seed` overrides it. */
  seed: z.union([z.string().min(1), z.number().int()]).default(1),
  /** Device time runs this many times faster than wall time. */
  timeScale: z.number().min(1).max(10_000).default(1),
  /** How long the story lasts in device time, from the start. */
  duration: Duration,
  /** Battery capacity for the projected battery life in the report. */
  batteryMah: z.number().positive().optional(),
  groups: z.array(Group).min(1),
  timeline: z.array(Step).default([]),
  expect: z.array(Expectation).default([]),
});

export type ScenarioInput = z.input<typeof Scenario>;
export type ScenarioFile = z.output<typeof Scenario>;
export type ScenarioStep = z.output<typeof Step>;
export type ScenarioAction = z.output<typeof Action>;
export type ScenarioExpectation = z.output<typeof Expectation>;
export type ScenarioGroup = z.output<typeof Group>;

/** The published JSON Schema of a scenario file. */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Scenario, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}
