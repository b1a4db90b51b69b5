export {
  FOTA_DOWNLOAD_KCONFIG_DEFAULTS,
  FotaDownload,
  type FotaDownloadCallback,
  type FotaDownloadErrorCause,
  type FotaDownloadEvt,
  type FotaDownloadKconfig,
} from './fota-download.js';
