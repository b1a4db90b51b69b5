export * from './download-client.js';
export * from './http.js';
export {
  DOWNLOAD_CLIENT_KCONFIG_DEFAULTS,
  type DownloadClientCallback,
  type DownloadClientCfg,
  type DownloadClientEvt,
  type DownloadClientKconfig,
} from './kconfig.js';
export * from './url.js';
