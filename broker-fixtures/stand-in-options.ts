import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { ClusterOptions } from './cluster/redis-cluster.js';
import type { NrfCloudEndpoints, NrfCloudOptions } from './nrf-cloud/stand-in.js';
import type { S3Credentials } from './s3/sigv4.js';
import type { ThrottleOptions } from './services/jobs/request-throttle.js';
import type { S3Endpoints } from './services/s3-hosting.js';
import type { BrokerService } from './services/service.js';
import type { ShadowServiceOptions } from './services/shadow/shadow-service.js';
import type { StateStore } from './store/store.js';

/** What {@link startBrokerFixtures} and {@link openBrokerState} take, and the endpoints a running stand-in serves. */

export interface BrokerFixturesOptions {
  /** The state directory; the stand-in keeps its files under `<stateDir>/broker/`. */
  stateDir: string;
  /** Replaces the embedded file store (e.g. a shared store for several nodes). */
  store?: StateStore;
  /**
   * Run as one node of a cluster on Redis (docs/cluster.md): state in a {@link RedisStore}, aedes
   * routing through mqemitter-redis and keeping sessions in aedes-persistence-redis, the CA shared.
   */
  cluster?: ClusterOptions;
  /** Time for everything the stand-in dates or times out: `systemClock`, or a `VirtualClock` in tests. */
  clock: Clock;
  /**
   * Every identifier and token the services draw (session ids, ownership tokens, request ids); a
   * run given the same seed draws the same (`Random.fromEntropy()` for a fresh one).
   */
  random: Random;
  host?: string;
  /** MQTT over mutual TLS (AWS: 8883). 0 picks a free port. */
  port?: number;
  /** MQTT over mutual TLS with ALPN `x-amzn-mqtt-ca` required (AWS: 443; default 8443). */
  alpnPort?: number;
  /** The HTTP/JSON console. */
  apiPort?: number;
  /** AWS IoT's REST APIs (control plane, data plane, Jobs data plane) for the AWS SDKs and CLI; 0 (default) picks a free port, null serves none. */
  awsApiPort?: number | null;
  /** Access keys the AWS API verifies SigV4 signatures against; none (default): any well-formed signature. */
  awsCredentials?: S3Credentials[];
  /** The endpoint name in the server certificate, e.g. `abc123-ats.iot.eu-west-1.amazonaws.com`. */
  endpoint?: string;
  region?: string;
  accountId?: string;
  /** More services (Jobs, nRF Cloud, …), started after the built-in ones. */
  services?: BrokerService[];
  shadow?: ShadowServiceOptions;
  /**
   * Serve the S3 stand-in from the broker process (state in `<stateDir>/s3/`); its presigned URLs
   * replace the `${aws:iot:s3-presigned-url:…}` placeholders of job documents. Off unless given.
   */
  s3?: {
    httpPort?: number | null;
    httpsPort?: number | null;
    region?: string;
    presignScheme?: 'https' | 'http';
    /** Accept PUT and DELETE without a presigned URL (default false: writes need credentials). */
    anonymousWrites?: boolean;
  };
  /** Jobs API requests per second per thing before RequestThrottled (off by default). */
  jobsThrottle?: ThrottleOptions;
  subscribeDenial?: 'disconnect' | 'suback-failure';
  /** Hand retained messages to wildcard subscriptions too (AWS documents exact filters only). */
  retainedOnWildcard?: boolean;
  /**
   * Run the local nRF Cloud too (its state in the same store, its CA in `<stateDir>/nrf-cloud/ca/`),
   * with its own mutual-TLS MQTT listener, REST API and firmware download server. Off unless given.
   */
  nrfCloud?: NrfCloudOptions;
}

export interface BrokerEndpoints {
  /** This node's id when the stand-in runs as a cluster node. */
  nodeId?: string;
  /** The endpoint name devices use, and that the server certificate names. */
  endpoint: string;
  host: string;
  mqttPort: number;
  alpnPort: number;
  alpn: string;
  apiUrl: string;
  /** The AWS API's base URL, what an AWS SDK client's `endpoint` (or the CLI's `--endpoint-url`) takes. */
  awsApiUrl?: string;
  /** PEM file of the local CA: clients' `--cafile`. */
  caFile: string;
  /** The hosted S3 stand-in, when the broker serves one. */
  s3?: S3Endpoints;
  /** The local nRF Cloud, when the broker runs one. */
  nrfCloud?: NrfCloudEndpoints;
}
