import type { Command } from 'commander';
import { ErrorCode, SimError } from '../../core/errors.js';
import { Random } from '../../core/random.js';
import type { CliEnv } from '../env.js';
import { DEFAULT_ENDPOINT, startBrokerFixtures } from '../../broker-fixtures/index.js';
import { EXIT_FAILURE, Output, reportError, stateDirFrom, untilSignal } from '../output.js';

interface BrokerOptions {
  state?: string;
  host: string;
  port: string;
  alpnPort: string;
  apiPort: string;
  awsApiPort: string;
  awsAccessKey?: string;
  endpoint: string;
  s3: boolean;
  s3Port: string;
  s3HttpsPort: string;
  anonymousWrites?: boolean;
  seed?: string;
  cluster?: string;
  nodeId?: string;
  json?: boolean;
  nrfcloud: boolean;
  nrfcloudPort: string;
  nrfcloudApiPort: string;
  nrfcloudDownloadPort: string;
  nrfcloudTenant?: string;
  nrfcloudApiKey?: string;
}

export function parsePort(value: string, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `${option} must be a port number 0-65535 (0 picks a free one), not ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function parseAccessKey(value: string): { accessKeyId: string; secretAccessKey: string } {
  const colon = value.indexOf(':');
  if (colon < 1 || colon === value.length - 1) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      '--aws-access-key takes ACCESS_KEY_ID:SECRET_ACCESS_KEY, e.g. AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI',
    );
  }
  return { accessKeyId: value.slice(0, colon), secretAccessKey: value.slice(colon + 1) };
}

export function registerBroker(program: Command, env: CliEnv): void {
  program
    .command('broker')
    .description(
      'run the local AWS IoT Core and nRF Cloud stand-ins (mutual-TLS MQTT, shadows, jobs, FOTA, S3, REST, console) until SIGINT/SIGTERM',
    )
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'MQTT over mutual TLS (AWS: 8883); 0 picks a free port', '8883')
    .option('--alpn-port <n>', 'MQTT over mutual TLS requiring ALPN x-amzn-mqtt-ca (AWS: 443)', '8443')
    .option('--api-port <n>', 'HTTP/JSON console', '8880')
    .option('--aws-api-port <n>', 'AWS IoT REST APIs for the AWS SDKs and CLI (0 picks a free port)', '0')
    .option(
      '--aws-access-key <id:secret>',
      'verify SigV4 signatures against this key (default: accept any well-formed signature)',
    )
    .option('--endpoint <name>', 'endpoint name in the server certificate', DEFAULT_ENDPOINT)
    .option('--s3-port <n>', 'HTTP port of the S3 stand-in serving firmware (0 picks a free port)', '0')
    .option('--s3-https-port <n>', 'HTTPS port of the S3 stand-in (0 picks a free port)', '0')
    .option('--no-s3', 'do not serve S3 (job documents keep their presigned-URL placeholders)')
    .option(
      '--anonymous-writes',
      'let S3 PUT and DELETE in without a presigned URL (any local process could replace an image)',
    )
    .option(
      '--nrfcloud-port <n>',
      'nRF Cloud MQTT over mutual TLS (nRF Cloud: 8883); 0 picks a free port',
      '0',
    )
    .option('--nrfcloud-api-port <n>', 'nRF Cloud REST API over HTTP (0 picks a free port)', '0')
    .option(
      '--nrfcloud-download-port <n>',
      'nRF Cloud firmware downloads over HTTPS (0 picks a free port)',
      '0',
    )
    .option('--nrfcloud-tenant <id>', 'tenant id of the nRF Cloud team (default: drawn once, then kept)')
    .option('--nrfcloud-api-key <key>', 'API key of the nRF Cloud team (default: drawn once, then kept)')
    .option('--no-nrfcloud', 'do not run the local nRF Cloud')
    .option('--seed <seed>', 'seed of the identifiers and tokens the stand-in draws (default: random)')
    .option(
      '--cluster <redis-url>',
      'run as one node of a cluster sharing state, sessions and routing in Redis: redis://HOST:PORT[/db] (docs/cluster.md)',
    )
    .option('--node-id <id>', "this node's name in the cluster (default: random)")
    .option('--json', 'print one JSON object per line')
    .action(async (options: BrokerOptions) => {
      const out = new Output(options.json === true);
      let fixtures;
      try {
        if (options.nodeId !== undefined && options.cluster === undefined) {
          throw new SimError(
            ErrorCode.INVALID_ARGUMENT,
            '--node-id names a cluster node: give --cluster too',
          );
        }
        fixtures = await startBrokerFixtures({
          stateDir: stateDirFrom(options.state),
          host: options.host,
          port: parsePort(options.port, '--port'),
          alpnPort: parsePort(options.alpnPort, '--alpn-port'),
          apiPort: parsePort(options.apiPort, '--api-port'),
          awsApiPort: parsePort(options.awsApiPort, '--aws-api-port'),
          ...(options.awsAccessKey !== undefined
            ? { awsCredentials: [parseAccessKey(options.awsAccessKey)] }
            : {}),
          endpoint: options.endpoint,
          clock: env.clock,
          random: options.seed !== undefined ? new Random(options.seed) : env.fresh(),
          ...(options.cluster !== undefined
            ? {
                cluster: {
                  redisUrl: options.cluster,
                  ...(options.nodeId !== undefined ? { nodeId: options.nodeId } : {}),
                },
              }
            : {}),
          ...(options.nrfcloud
            ? {
                nrfCloud: {
                  port: parsePort(options.nrfcloudPort, '--nrfcloud-port'),
                  apiPort: parsePort(options.nrfcloudApiPort, '--nrfcloud-api-port'),
                  downloadPort: parsePort(options.nrfcloudDownloadPort, '--nrfcloud-download-port'),
                  ...(options.nrfcloudTenant !== undefined ? { tenantId: options.nrfcloudTenant } : {}),
                  ...(options.nrfcloudApiKey !== undefined ? { apiKey: options.nrfcloudApiKey } : {}),
                },
              }
            : {}),
          ...(options.s3
            ? {
                s3: {
                  httpPort: parsePort(options.s3Port, '--s3-port'),
                  httpsPort: parsePort(options.s3HttpsPort, '--s3-https-port'),
                  anonymousWrites: options.anonymousWrites === true,
                },
              }
            : {}),
        });
      } catch (err) {
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
        return;
      }
      const e = fixtures.endpoints;
      out.event(
        'ready',
        { ...e },
        [
          `AWS IoT stand-in ready (endpoint ${e.endpoint})${e.nodeId ? `, cluster node ${e.nodeId}` : ''}`,
          `  mqtts://${e.host}:${e.mqttPort}  (mutual TLS)`,
          `  mqtts://${e.host}:${e.alpnPort}  (mutual TLS, ALPN ${e.alpn})`,
          `  console ${e.apiUrl}`,
          ...(e.awsApiUrl ? [`  AWS API ${e.awsApiUrl}  (AWS SDK endpoint / aws --endpoint-url)`] : []),
          `  CA file ${e.caFile}`,
          ...(e.s3 ? [`  S3 ${e.s3.http} and ${e.s3.https} (CA ${e.s3.caFile})`] : []),
          ...(e.nrfCloud
            ? [
                `nRF Cloud stand-in ready (endpoint ${e.nrfCloud.endpoint}, team ${e.nrfCloud.tenantId})`,
                `  mqtts://${e.nrfCloud.host}:${e.nrfCloud.mqttPort}  (mutual TLS, topic prefix ${e.nrfCloud.topicPrefix})`,
                ...(e.nrfCloud.sniPort !== undefined
                  ? [
                      `  mqtts://${e.nrfCloud.host}:${e.nrfCloud.sniPort}  (the AWS port, for SNI ${e.nrfCloud.endpoint})`,
                    ]
                  : []),
                `  REST ${e.nrfCloud.apiUrl}  (Authorization: Bearer ${e.nrfCloud.apiKey})`,
                `  firmware https://${e.nrfCloud.downloadHost}:${e.nrfCloud.downloadPort}/`,
                `  CA file ${e.nrfCloud.caFile}`,
              ]
            : []),
          '(Ctrl-C to stop)',
        ].join('\n'),
      );
      const signal = await untilSignal();
      await fixtures.close();
      out.event(
        'shutdown',
        { signal },
        e.nrfCloud ? 'AWS IoT and nRF Cloud stand-ins stopped' : 'AWS IoT stand-in stopped',
      );
    });
}
