import diagnostics from 'node:diagnostics_channel';

/**
 * Named diagnostics channels (`nrf91sim:*`), in undici's style: one channel per event, one message
 * shape per channel, listed here and in docs/tracing.md. Publishing costs nothing when nobody
 * subscribes; a test or a tool subscribes with `diagnostics_channel.subscribe('nrf91sim:at', fn)`.
 * Messages are plain data (no sockets, clients or buffers) so a subscriber can keep or serialise them.
 */

/** A socket address as traces carry it. */
export interface TraceAddress {
  address: string;
  port: number;
}

export interface TraceMessages {
  /** AT traffic: `direction` is `cmd`, `rsp`, `urc`, `data-mode` or `internal-error`. */
  at: { device: string; direction: string; line: string };
  /** State machine transitions (every named lifecycle): state names, or the parts a state is made of. */
  state: { device: string; machine: string; from: unknown; to: unknown; reason?: string };
  /** Transport and broker lifecycle. */
  transport: { transport: string; event: string; detail: unknown };

  /** socket() gave a descriptor. */
  'socket:open': { device: string; fd: number; family: number; type: number; protocol: number };
  /** connect() started (TCP connect, then the TLS handshake on a TLS socket). */
  'socket:connect': { device: string; fd: number; protocol: number; peer: TraceAddress };
  /** The socket is connected: what the device sees once the link carried the handshakes. */
  'socket:connected': { device: string; fd: number; protocol: number; peer: TraceAddress };
  /** The socket failed: `errno` (Zephyr) and its name; `cause` is the host-side error code, if any. */
  'socket:error': { device: string; fd: number; errno: number; error: string; cause?: string };
  /** close(); `lingering`: a stream still delivers what send() accepted before it lets go. */
  'socket:close': { device: string; fd: number; protocol: number; from: string; lingering: boolean };

  /** The modem starts a TLS handshake over a connected TCP socket. */
  'tls:handshake:start': {
    device: string;
    fd: number;
    secTags: number[];
    hostname: string | null;
    peer: TraceAddress;
    sessionCache: boolean;
  };
  /** The handshake is done and the device sees the socket connected. */
  'tls:handshake:done': {
    device: string;
    fd: number;
    secTags: number[];
    hostname: string | null;
    /** IANA name (`TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`) and id (TLS_CIPHERSUITE_USED). */
    cipher: string;
    cipherSuite: number;
    protocol: string;
    /** Resumed from the modem's session cache (TLS_DTLS_HANDSHAKE_STATUS cached). */
    resumed: boolean;
  };
  /** The handshake failed: the errno connect() reports; `cause` is the TLS or network error code. */
  'tls:handshake:error': {
    device: string;
    fd: number;
    secTags: number[];
    hostname: string | null;
    errno: number;
    error: string;
    cause?: string;
  };

  /** An MQTT client over a modem socket sent CONNECT. */
  'mqtt:connect': {
    device: string;
    clientId: string;
    host: string;
    port: number;
    secure: boolean;
    clean: boolean;
    keepalive: number;
  };
  /** CONNACK received: `returnCode` 0 is accepted. */
  'mqtt:connack': { device: string; clientId: string; sessionPresent: boolean; returnCode: number };
  /** PUBLISH sent (`out`) or received (`in`); `bytes` is the payload size. */
  'mqtt:publish': {
    device: string;
    clientId: string;
    direction: 'in' | 'out';
    topic: string;
    qos: number;
    bytes: number;
    retain: boolean;
  };
  /** SUBSCRIBE sent. */
  'mqtt:subscribe': { device: string; clientId: string; topics: Array<{ topic: string; qos: number }> };
  /** The MQTT connection closed (either side). */
  'mqtt:close': { device: string; clientId: string };

  /** fota_download progress: percent of the image in the DFU target, bytes received so far. */
  'fota:download:progress': {
    device: string;
    host: string;
    file: string;
    percent: number;
    bytes: number;
    size: number;
  };
  /** fota_download finished: the image is complete in the DFU target. */
  'fota:download:done': { device: string; host: string; file: string; size: number };
  /** fota_download failed (`cause` is the `fota_download_error_cause`) or was cancelled. */
  'fota:download:error': { device: string; host: string; file: string; cause: string };
  /** aws_fota reports a job execution status (`statusDetails` is the JSON it sends). */
  'fota:job': { device: string; jobId: string; status: string; statusDetails: string };
}

export type TraceChannelName = keyof TraceMessages;

const NAMES: readonly TraceChannelName[] = [
  'at',
  'state',
  'transport',
  'socket:open',
  'socket:connect',
  'socket:connected',
  'socket:error',
  'socket:close',
  'tls:handshake:start',
  'tls:handshake:done',
  'tls:handshake:error',
  'mqtt:connect',
  'mqtt:connack',
  'mqtt:publish',
  'mqtt:subscribe',
  'mqtt:close',
  'fota:download:progress',
  'fota:download:done',
  'fota:download:error',
  'fota:job',
];

/** Every channel by its short name; the full name is `nrf91sim:<short name>`. */
export const traceChannels = Object.fromEntries(
  NAMES.map((name) => [name, diagnostics.channel(`nrf91sim:${name}`)]),
) as { readonly [N in TraceChannelName]: diagnostics.Channel };

/** True when someone listens on `name`: build a costly message only then. */
export function tracing(name: TraceChannelName): boolean {
  return traceChannels[name].hasSubscribers;
}

export function trace<N extends TraceChannelName>(name: N, message: TraceMessages[N]): void {
  const channel = traceChannels[name];
  if (channel.hasSubscribers) channel.publish(message);
}
