import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ErrorCode, SimError, type ErrorCode as Code } from '../../core/errors.js';
import {
  isValidBucketName,
  loadOrCreateCredentials,
  ObjectStore,
  presignUrl,
  uploadSigned,
  type S3Endpoints,
} from '../../broker-fixtures/index.js';
import { inspectImage } from '../../firmware/image/inspect.js';
import { openConsole, type BrokerConsole } from '../broker-console.js';
import type { CliEnv } from '../env.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom } from '../output.js';

interface StartOptions {
  thing: string;
  image: string;
  bucket: string;
  duration: string;
  jobId?: string;
  url?: boolean;
  http?: boolean;
  state?: string;
  json?: boolean;
}

/** What the image says about itself: the `fwversion` of the job document. */
function firmwareVersion(file: string, bytes: Buffer): string {
  const report = inspectImage(bytes);
  if (report.type === 'none')
    throw new SimError(
      ErrorCode.IMAGE_BAD_MAGIC,
      `${file} is not a firmware image (no MCUboot or modem delta magic)`,
    );
  const problem = report.problems[0];
  if (!report.valid && problem) throw new SimError(problem.code as Code, `${file}: ${problem.message}`);
  if (report.modemDelta) return report.modemDelta.to;
  return `v${report.header?.version ?? '0.0.0'}`;
}

function defaultJobId(env: CliEnv): string {
  const stamp = new Date(env.clock.now()).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `fota-${stamp}-${env.fresh().bytes(2).toString('hex')}`;
}

/** Puts the image into the broker's S3 stand-in over HTTP, or straight into the state directory. */
async function upload(
  env: CliEnv,
  state: string,
  s3: S3Endpoints | undefined,
  bucket: string,
  key: string,
  bytes: Buffer,
): Promise<void> {
  if (s3?.http) {
    // Signed: the stand-in refuses anonymous writes.
    await uploadSigned({
      endpoint: s3.http,
      credentials: await loadOrCreateCredentials(path.resolve(state, 's3')),
      region: s3.region,
      now: env.clock.now(),
      bucket,
      key,
      body: bytes,
    });
    return;
  }
  const store = new ObjectStore(path.resolve(state, 's3'), env.clock);
  await store.createBucket(bucket);
  await store.putObject(bucket, key, bytes, 'application/octet-stream');
}

/**
 * ncs-behaviour.md §5.2: `location.host` and `location.path` (no leading slash) of a URL presigned
 * now for `durationSeconds`, on the broker's S3 stand-in.
 */
async function presignedLocation(
  env: CliEnv,
  state: string,
  s3: S3Endpoints | undefined,
  bucket: string,
  key: string,
  durationSeconds: number,
  http: boolean,
): Promise<Record<string, string>> {
  const endpoint = http ? s3?.http : (s3?.https ?? s3?.http);
  if (!endpoint) {
    throw new SimError(
      ErrorCode.S3_NO_ENDPOINT,
      `no broker with an S3 stand-in is running for ${path.resolve(state)}; start \`nrf91sim broker\` (or use --url, signed by the broker when devices fetch the job)`,
    );
  }
  const url = new URL(
    presignUrl({
      endpoint,
      bucket,
      key,
      credentials: await loadOrCreateCredentials(path.resolve(state, 's3')),
      region: s3?.region ?? 'us-east-1',
      now: env.clock.now(),
      expiresSeconds: durationSeconds,
    }),
  );
  return { protocol: url.protocol, host: url.host, path: `${url.pathname.slice(1)}${url.search}` };
}

async function start(env: CliEnv, o: StartOptions, out: Output, console: BrokerConsole): Promise<void> {
  const state = stateDirFrom(o.state);
  const duration = Number(o.duration);
  if (!/^\d+$/.test(o.duration) || duration < 1 || duration > 604800) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `--duration must be 1-604800 seconds, not ${JSON.stringify(o.duration)}`,
    );
  }
  if (o.url && (duration < 60 || duration > 3600)) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      '--duration with --url is the presigned URL validity AWS IoT Jobs allows: 60-3600 seconds',
    );
  }
  if (!isValidBucketName(o.bucket))
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `--bucket ${o.bucket} breaks the S3 bucket naming rules`);
  let bytes: Buffer;
  try {
    bytes = await readFile(o.image);
  } catch (err) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `cannot read ${o.image}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const fwversion = firmwareVersion(o.image, bytes);
  const jobId = o.jobId ?? defaultJobId(env);
  const key = `${jobId}/${path.basename(o.image)}`;
  const info = await console.request<{ region: string; s3?: S3Endpoints }>('GET', '/endpoint');
  const s3 = console.running ? info.s3 : undefined;
  const location = o.url
    ? { url: `\${aws:iot:s3-presigned-url:https://${o.bucket}.s3.${info.region}.amazonaws.com/${key}}` }
    : await presignedLocation(env, state, s3, o.bucket, key, duration, o.http === true);
  await upload(env, state, s3, o.bucket, key, bytes);
  const document = { operation: 'app_fw_update', fwversion, size: bytes.length, location };
  const created = await console.request<{ jobArn: string; jobId: string }>(
    'PUT',
    `/jobs/${encodeURIComponent(jobId)}`,
    {
      targets: [`thing/${o.thing}`],
      document,
      description: `FOTA ${fwversion} for ${o.thing}`,
      ...(o.url ? { presignedUrlConfig: { expiresInSec: duration } } : {}),
    },
  );
  out.event(
    'started',
    { jobId: created.jobId, jobArn: created.jobArn, thingName: o.thing, bucket: o.bucket, key, document },
    created.jobId,
  );
}

export function registerFota(program: Command, env: CliEnv): void {
  const fota = program
    .command('fota')
    .description('firmware over the air through AWS IoT Jobs and the S3 stand-in');
  fota
    .command('start')
    .description(
      "upload an image and create an app_fw_update job for a thing (like Zerynth's ztc aws iot-fota_start); prints the job id",
    )
    .requiredOption('--thing <name>', 'the thing to update')
    .requiredOption('--image <file>', 'an MCUboot image (nrf91sim image build) or a modem delta image')
    .option('--bucket <name>', 'S3 bucket for the image', 'nrf91sim-fota')
    .option('--duration <seconds>', 'validity of the presigned download URL', '3600')
    .option('--job-id <id>', 'job id (default fota-<UTC time>-<random>)')
    .option(
      '--url',
      'put a ${aws:iot:s3-presigned-url:…} placeholder in location.url, signed afresh on every delivery',
    )
    .option('--http', "presign for the S3 stand-in's HTTP listener instead of HTTPS")
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object')
    .action(async (o: StartOptions) => {
      const out = new Output(o.json === true);
      try {
        const console = await openConsole(stateDirFrom(o.state), env);
        try {
          await start(env, o, out, console);
        } finally {
          await console.close();
        }
      } catch (err) {
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
      }
    });
}
