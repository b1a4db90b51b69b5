import { trace } from '../../core/trace.js';
import type { DownloadClient } from '../download-client/index.js';

/** A `fota_download_evt` as far as the traces read it (fota-download.ts has the full union). */
interface FotaEvtShape {
  id: string;
  progress?: number;
  cause?: string;
}

/**
 * Publishes a fota_download event on the `nrf91sim:fota:download:*` channels, with the download it
 * belongs to (`host`, `file`) and how far download_client got.
 */
export function traceFotaDownloadEvt(
  evt: FotaEvtShape,
  dlc: Pick<DownloadClient, 'owner' | 'progress' | 'fileSizeGet'>,
  host: string,
  file: string,
): void {
  const device = dlc.owner;
  switch (evt.id) {
    case 'FOTA_DOWNLOAD_EVT_PROGRESS':
      trace('fota:download:progress', {
        device,
        host,
        file,
        percent: evt.progress ?? 0,
        bytes: dlc.progress,
        size: dlc.fileSizeGet(),
      });
      return;
    case 'FOTA_DOWNLOAD_EVT_FINISHED':
      trace('fota:download:done', { device, host, file, size: dlc.fileSizeGet() });
      return;
    case 'FOTA_DOWNLOAD_EVT_ERROR':
      trace('fota:download:error', { device, host, file, cause: evt.cause ?? '' });
      return;
    case 'FOTA_DOWNLOAD_EVT_CANCELLED':
      trace('fota:download:error', { device, host, file, cause: 'FOTA_DOWNLOAD_EVT_CANCELLED' });
      return;
    default:
      return;
  }
}
