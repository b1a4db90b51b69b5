import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { readJsonFile, writeJsonAtomic } from '../../core/atomic-file.js';
import type { CliEnv } from '../env.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { loadOrCreateCredentials } from '../../broker-fixtures/s3/credentials.js';
import { S3Server } from '../../broker-fixtures/s3/server.js';
import { uploadSigned } from '../../broker-fixtures/s3/signed-upload.js';
import { presignUrl } from '../../broker-fixtures/s3/sigv4.js';
import { ObjectStore } from '../../broker-fixtures/s3/store.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom, untilSignal } from '../output.js';

/** What a running `s3 serve` leaves in `<state>/s3/server.json` for the other s3 commands. */
interface ServerInfo {
  pid: number;
  http: string | null;
  https: string | null;
  ca: string;
  region: string;
}

const serverFile = (state: string): string => path.resolve(state, 's3', 'server.json');

function port(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `${what} ${text}: not a port`);
  return n;
}

async function run(json: boolean | undefined, fn: (out: Output) => Promise<void>): Promise<void> {
  const out = new Output(json === true);
  try {
    await fn(out);
  } catch (err) {
    reportError(err, out.json);
    process.exitCode = EXIT_FAILURE;
  }
}

async function runningServer(state: string): Promise<ServerInfo | undefined> {
  const info = await readJsonFile<ServerInfo>(serverFile(state)).catch(() => undefined);
  if (!info) return undefined;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

export function registerS3(program: Command, env: CliEnv): Command {
  const s3 = program
    .command('s3')
    .description('the S3-style firmware server (buckets, objects, ranged and presigned downloads)');

  s3.command('serve')
    .description('serve buckets over HTTP and HTTPS until SIGINT/SIGTERM')
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--host <address>', 'listen address', '127.0.0.1')
    .option('--port <n>', 'HTTP port (0 = any free port)', '0')
    .option('--https-port <n>', 'HTTPS port (0 = any free port)', '0')
    .option('--region <region>', 'region named in presigned URLs', 'us-east-1')
    .option('--no-anonymous', 'require presigned URLs for every request')
    .option(
      '--anonymous-writes',
      'accept PUT and DELETE without a presigned URL (any local process could replace an image)',
    )
    .option('--json', 'print one JSON object per line')
    .action(
      (o: {
        state?: string;
        host: string;
        port: string;
        httpsPort: string;
        region: string;
        anonymous: boolean;
        anonymousWrites?: boolean;
        json?: boolean;
      }) =>
        run(o.json, async (out) => {
          const state = stateDirFrom(o.state);
          const server = await S3Server.start({
            clock: env.clock,
            random: env.fresh(),
            stateDir: state,
            host: o.host,
            httpPort: port(o.port, '--port') ?? 0,
            httpsPort: port(o.httpsPort, '--https-port') ?? 0,
            region: o.region,
            allowAnonymous: o.anonymous,
            anonymousWrites: o.anonymousWrites === true,
          });
          const info: ServerInfo = {
            pid: process.pid,
            http: server.httpUrl ?? null,
            https: server.httpsUrl ?? null,
            ca: server.caFile,
            region: o.region,
          };
          await writeJsonAtomic(serverFile(state), info);
          out.event(
            'ready',
            {
              http: info.http,
              https: info.https,
              ca: info.ca,
              state: path.resolve(state),
              accessKeyId: server.credentials.accessKeyId,
            },
            `S3 stand-in ready: ${info.http} and ${info.https} (CA ${info.ca}; Ctrl-C to stop)`,
          );
          const signal = await untilSignal();
          await server.close();
          await fs.rm(serverFile(state), { force: true });
          out.event('shutdown', { signal }, 'S3 stand-in stopped');
        }),
    );

  s3.command('put <bucket> <key> <file>')
    .description(
      'upload a file (creating the bucket): through --endpoint, else straight into the state directory',
    )
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--endpoint <url>', 'a running server, e.g. http://127.0.0.1:9000')
    .option('--content-type <type>', 'Content-Type to store', 'application/octet-stream')
    .option('--json', 'print one JSON object')
    .action(
      (
        bucket: string,
        key: string,
        file: string,
        o: { state?: string; endpoint?: string; contentType: string; json?: boolean },
      ) =>
        run(o.json, async (out) => {
          const data = await fs.readFile(file);
          let etag: string;
          if (o.endpoint) {
            // Signed with the state directory's access key: the server refuses anonymous writes.
            const state = stateDirFrom(o.state);
            etag = await uploadSigned({
              endpoint: o.endpoint.replace(/\/$/, ''),
              credentials: await loadOrCreateCredentials(path.resolve(state, 's3')),
              region: (await runningServer(state))?.region ?? 'us-east-1',
              now: env.clock.now(),
              bucket,
              key,
              body: data,
              contentType: o.contentType,
            });
          } else {
            const store = new ObjectStore(path.resolve(stateDirFrom(o.state), 's3'), env.clock);
            await store.createBucket(bucket);
            etag = (await store.putObject(bucket, key, data, o.contentType)).etag;
          }
          out.event(
            'uploaded',
            { bucket, key, size: data.length, etag },
            `uploaded ${file} to s3://${bucket}/${key} (${data.length} bytes, ETag ${etag})`,
          );
        }),
    );

  s3.command('presign <bucket> <key>')
    .description('print a presigned URL (GET unless --method) for the running server (or --endpoint)')
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--method <method>', 'GET, HEAD, PUT or DELETE (writes need a signature)', 'GET')
    .option('--expires <seconds>', 'validity in seconds (1-604800)', '3600')
    .option('--endpoint <url>', 'base URL to sign for (default: the running server, HTTPS)')
    .option('--http', "sign for the running server's HTTP listener instead of HTTPS")
    .option('--region <region>', "region (default: the running server's)")
    .option('--json', 'print one JSON object')
    .action(
      (
        bucket: string,
        key: string,
        o: {
          state?: string;
          expires: string;
          method: string;
          endpoint?: string;
          http?: boolean;
          region?: string;
          json?: boolean;
        },
      ) =>
        run(o.json, async (out) => {
          const state = stateDirFrom(o.state);
          const expires = Number(o.expires);
          if (!Number.isInteger(expires) || expires < 1 || expires > 604800) {
            throw new SimError(ErrorCode.INVALID_ARGUMENT, `--expires ${o.expires}: 1 to 604800 seconds`);
          }
          const method = o.method.toUpperCase();
          if (!['GET', 'HEAD', 'PUT', 'DELETE'].includes(method))
            throw new SimError(ErrorCode.INVALID_ARGUMENT, `--method ${o.method}: GET, HEAD, PUT or DELETE`);
          const info = await runningServer(state);
          const endpoint = o.endpoint ?? (o.http ? info?.http : (info?.https ?? info?.http)) ?? undefined;
          if (!endpoint) {
            throw new SimError(
              ErrorCode.S3_NO_ENDPOINT,
              `no S3 stand-in is running for ${path.resolve(state)}; start \`nrf91sim s3 serve\` or pass --endpoint`,
            );
          }
          const credentials = await loadOrCreateCredentials(path.resolve(state, 's3'));
          const now = env.clock.now();
          const url = presignUrl({
            endpoint,
            bucket,
            key,
            credentials,
            region: o.region ?? info?.region ?? 'us-east-1',
            now,
            expiresSeconds: expires,
            method,
          });
          if (out.json) {
            out.event('presigned', { url, expiresAt: new Date(now + expires * 1000).toISOString() }, url);
          } else {
            process.stdout.write(`${url}\n`);
          }
        }),
    );
  return s3;
}
