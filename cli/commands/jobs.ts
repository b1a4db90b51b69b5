import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ErrorCode, SimError } from '../../core/errors.js';
import { openConsole, type BrokerConsole } from '../broker-console.js';
import type { CliEnv } from '../env.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

interface CommonOptions {
  state?: string;
  json?: boolean;
}

interface CreateOptions extends CommonOptions {
  thing: string[];
  thingGroup: string[];
  document?: string;
  documentFile?: string;
  description?: string;
  continuous?: boolean;
  presignedExpires?: string;
  inProgressTimeout?: string;
  retries?: string;
}

interface JobSummary {
  jobId: string;
  status: string;
  targetSelection: string;
  createdAt: number;
  completedAt?: number;
}

interface ExecutionSummary {
  thingArn: string;
  jobExecutionSummary: { status: string; executionNumber: number; lastUpdatedAt: number };
}

/** Collects a repeatable option; commas separate several values too. */
const collect = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value.split(',').filter(Boolean),
];

function wholeNumber(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text))
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `${option} must be a whole number, not ${JSON.stringify(text)}`,
    );
  return Number(text);
}

/** The job document from `--document '{…}'` or `--document-file FILE`, checked to be JSON here for a clear message. */
export async function readDocument(options: { document?: string; documentFile?: string }): Promise<string> {
  if ((options.document === undefined) === (options.documentFile === undefined)) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      'give the job document with exactly one of --document or --document-file',
    );
  }
  let text: string;
  const source = options.documentFile ?? '--document';
  if (options.documentFile !== undefined) {
    try {
      text = await readFile(options.documentFile, 'utf8');
    } catch (err) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `cannot read ${options.documentFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  } else text = options.document ?? '';
  try {
    JSON.parse(text);
  } catch (err) {
    throw new SimError(
      ErrorCode.JOB_DOCUMENT_INVALID,
      `${source} is not valid JSON: ${(err as Error).message}`,
    );
  }
  return text;
}

async function run(
  env: CliEnv,
  options: CommonOptions,
  body: (out: Output, console: BrokerConsole) => Promise<void>,
): Promise<void> {
  const out = new Output(options.json === true);
  try {
    const console = await openConsole(stateDirFrom(options.state), env);
    try {
      await body(out, console);
    } finally {
      await console.close();
    }
  } catch (err) {
    reportError(err, out.json);
    process.exitCode = EXIT_FAILURE;
  }
}

const when = (seconds: number | undefined): string =>
  seconds === undefined ? '-' : new Date(seconds * 1000).toISOString();
const id = (jobId: string): string => encodeURIComponent(jobId);
const common = (cmd: Command): Command =>
  cmd
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object per line');

export function registerJobs(program: Command, env: CliEnv): void {
  const jobs = program
    .command('jobs')
    .description('AWS IoT Jobs on the local stand-in: create, list, describe, cancel, delete');

  common(
    jobs
      .command('create <jobId>')
      .description('create a job; every target thing gets a QUEUED execution and notify / notify-next')
      .option('--thing <name>', 'target thing (repeatable, or comma-separated)', collect, [])
      .option('--thing-group <name>', 'target thing group (repeatable, or comma-separated)', collect, [])
      .option('--document <json>', 'the job document, inline')
      .option('--document-file <file>', 'the job document, from a file')
      .option('--description <text>', 'description')
      .option(
        '--continuous',
        'CONTINUOUS target selection: things that join a target group later get the job too',
      )
      .option(
        '--presigned-expires <seconds>',
        'validity of ${aws:iot:s3-presigned-url:…} URLs, 60-3600',
        '3600',
      )
      .option('--in-progress-timeout <minutes>', 'time an execution may stay IN_PROGRESS before TIMED_OUT')
      .option('--retries <n>', 'retry FAILED and TIMED_OUT executions up to n times (0-10)'),
  ).action((jobId: string, o: CreateOptions) =>
    run(env, o, async (out, console) => {
      const targets = [...o.thing.map((t) => `thing/${t}`), ...o.thingGroup.map((g) => `thinggroup/${g}`)];
      if (!targets.length)
        throw new SimError(ErrorCode.INVALID_ARGUMENT, 'give at least one --thing or --thing-group');
      const document = await readDocument(o);
      const expires = wholeNumber(o.presignedExpires, '--presigned-expires');
      const timeout = wholeNumber(o.inProgressTimeout, '--in-progress-timeout');
      const retries = wholeNumber(o.retries, '--retries');
      const created = await console.request<{ jobArn: string; jobId: string }>('PUT', `/jobs/${id(jobId)}`, {
        targets,
        document,
        ...(o.description !== undefined ? { description: o.description } : {}),
        targetSelection: o.continuous ? 'CONTINUOUS' : 'SNAPSHOT',
        ...(expires !== undefined ? { presignedUrlConfig: { expiresInSec: expires } } : {}),
        ...(timeout !== undefined ? { timeoutConfig: { inProgressTimeoutInMinutes: timeout } } : {}),
        ...(retries !== undefined
          ? { jobExecutionsRetryConfig: { criteriaList: [{ failureType: 'ALL', numberOfRetries: retries }] } }
          : {}),
      });
      out.event(
        'created',
        { ...created, targets, running: console.running },
        `created job ${created.jobId} (${created.jobArn}) for ${targets.join(', ')}`,
      );
    }),
  );

  common(
    jobs
      .command('list')
      .description('list jobs')
      .option('--status <status>', 'only IN_PROGRESS, COMPLETED, CANCELED or DELETION_IN_PROGRESS jobs')
      .option('--thing <name>', 'only jobs with an execution on this thing'),
  ).action((o: CommonOptions & { status?: string; thing?: string }) =>
    run(env, o, async (out, console) => {
      const query = new URLSearchParams({
        ...(o.status ? { status: o.status } : {}),
        ...(o.thing ? { thingName: o.thing } : {}),
      });
      const { jobs: list } = await console.request<{ jobs: JobSummary[] }>(
        'GET',
        `/jobs${query.size ? `?${query}` : ''}`,
      );
      if (out.json) for (const j of list) out.event('job', { ...j }, '');
      else if (!list.length) process.stdout.write('no jobs\n');
      else
        for (const j of list)
          process.stdout.write(
            `${j.jobId.padEnd(24)} ${j.status.padEnd(12)} ${j.targetSelection.padEnd(10)} created ${when(j.createdAt)}\n`,
          );
    }),
  );

  common(jobs.command('describe <jobId>').description('show a job, its document and its executions')).action(
    (jobId: string, o: CommonOptions) =>
      run(env, o, async (out, console) => {
        const { job } = await console.request<{ job: Record<string, unknown> }>('GET', `/jobs/${id(jobId)}`);
        const { document } = await console.request<{ document: string }>(
          'GET',
          `/jobs/${id(jobId)}/job-document`,
        );
        const { executionSummaries } = await console.request<{ executionSummaries: ExecutionSummary[] }>(
          'GET',
          `/jobs/${id(jobId)}/things`,
        );
        const executions = executionSummaries.map((e) => ({
          thingName: e.thingArn.split('/').pop() ?? '',
          ...e.jobExecutionSummary,
        }));
        if (out.json) {
          out.event('job', { job, document: JSON.parse(document) as unknown, executions }, '');
          return;
        }
        process.stdout.write(`${JSON.stringify(job, null, 2)}\ndocument: ${document}\n`);
        for (const e of executions)
          process.stdout.write(`  ${e.thingName.padEnd(24)} #${e.executionNumber} ${e.status}\n`);
      }),
  );

  common(
    jobs
      .command('cancel <jobId>')
      .description(
        "cancel a job (QUEUED executions; IN_PROGRESS ones too with --force), or one thing's execution with --thing",
      )
      .option('--force', 'also cancel executions that are IN_PROGRESS')
      .option('--thing <name>', "cancel only this thing's execution")
      .option('--comment <text>', 'why the job is canceled')
      .option('--reason-code <code>', 'a reason code for the record'),
  ).action(
    (
      jobId: string,
      o: CommonOptions & { force?: boolean; thing?: string; comment?: string; reasonCode?: string },
    ) =>
      run(env, o, async (out, console) => {
        const force = o.force ? '?force=true' : '';
        if (o.thing !== undefined) {
          await console.request(
            'PUT',
            `/things/${encodeURIComponent(o.thing)}/jobs/${id(jobId)}/cancel${force}`,
            {},
          );
          out.event(
            'canceled',
            { jobId, thingName: o.thing, force: o.force === true },
            `canceled the execution of ${jobId} on ${o.thing}`,
          );
          return;
        }
        await console.request('PUT', `/jobs/${id(jobId)}/cancel${force}`, {
          ...(o.comment !== undefined ? { comment: o.comment } : {}),
          ...(o.reasonCode !== undefined ? { reasonCode: o.reasonCode } : {}),
        });
        out.event(
          'canceled',
          { jobId, force: o.force === true },
          `canceled job ${jobId}${o.force ? ' (force)' : ''}`,
        );
      }),
  );

  common(
    jobs
      .command('delete <jobId>')
      .description('delete a job and its executions')
      .option('--force', 'delete even while executions are IN_PROGRESS'),
  ).action((jobId: string, o: CommonOptions & { force?: boolean }) =>
    run(env, o, async (out, console) => {
      await console.request('DELETE', `/jobs/${id(jobId)}${o.force ? '?force=true' : ''}`);
      out.event('deleted', { jobId }, `deleted job ${jobId}`);
    }),
  );
}
