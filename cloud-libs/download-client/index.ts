export { DownloadClient, type DownloadClientState } from './download-client.js';
export { type HeaderParse, httpGetRequest, httpParseHeader, type HttpRequestInput } from './http.js';
export {
  DOWNLOAD_CLIENT_KCONFIG_DEFAULTS,
  type DownloadClientCallback,
  type DownloadClientCfg,
  type DownloadClientEvt,
  type DownloadClientKconfig,
} from './kconfig.js';
export { bareHost, urlParseFile, urlParseHost, urlParsePort, urlParseProto } from './url.js';
