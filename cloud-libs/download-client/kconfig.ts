/** The library's Kconfig options that shape a download. */
export interface DownloadClientKconfig {
  /** CONFIG_DOWNLOAD_CLIENT_BUF_SIZE: the receive buffer, which a response header must fit. */
  bufSize: number;
  /** CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE: 256, 512, 1024, 2048 (4096 is not allowed with the modem). */
  httpFragSize: 256 | 512 | 1024 | 2048;
  /** CONFIG_DOWNLOAD_CLIENT_TCP_SOCK_TIMEO_MS: receive timeout; -1 or 0 leaves recv blocking. */
  tcpSockTimeoMs: number;
  /** CONFIG_DOWNLOAD_CLIENT_RANGE_REQUESTS: one ranged request per fragment over plain HTTP too. */
  rangeRequests: boolean;
  /** CONFIG_DOWNLOAD_CLIENT_IPV6: resolve IPv6 first, fall back to IPv4. */
  ipv6: boolean;
  /** CONFIG_DOWNLOAD_CLIENT_MAX_HOSTNAME_SIZE. */
  maxHostnameSize: number;
  /** CONFIG_DOWNLOAD_CLIENT_MAX_FILENAME_SIZE. */
  maxFilenameSize: number;
}

export const DOWNLOAD_CLIENT_KCONFIG_DEFAULTS: Readonly<DownloadClientKconfig> = {
  bufSize: 2048,
  httpFragSize: 2048,
  tcpSockTimeoMs: 30_000,
  rangeRequests: true,
  ipv6: false,
  maxHostnameSize: 64,
  maxFilenameSize: 192,
};

/** `struct download_client_cfg`: per host. */
export interface DownloadClientCfg {
  /** Sec tags for HTTPS; without a scheme in the host, a non-empty list means HTTPS. */
  secTagList?: readonly number[];
  /** SO_BINDTOPDN (stored by the modem; every socket uses the default PDN). */
  pdnId?: number;
  /** Fragment size for this host instead of CONFIG_DOWNLOAD_CLIENT_HTTP_FRAG_SIZE (0: none). */
  fragSizeOverride?: number;
  /** Set TLS_HOSTNAME to the host: the server certificate must carry its name. */
  setTlsHostname?: boolean;
}

export type DownloadClientEvt =
  /** `fragment` is valid until the callback returns (or its promise settles): copy what you keep. */
  | { id: 'DOWNLOAD_CLIENT_EVT_FRAGMENT'; fragment: Buffer }
  /** `error` is a negative Zephyr errno. Returning 0 from the callback on a socket error reconnects and resumes. */
  | { id: 'DOWNLOAD_CLIENT_EVT_ERROR'; error: number }
  | { id: 'DOWNLOAD_CLIENT_EVT_DONE' }
  | { id: 'DOWNLOAD_CLIENT_EVT_CLOSED' };

/** Return non-zero to stop: after a fragment, the download stops; after an error, no reconnect. */
export type DownloadClientCallback = (evt: DownloadClientEvt) => number | void | Promise<number | void>;
