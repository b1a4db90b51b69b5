import { describe, expect, it } from 'vitest';
import { ErrorCode, isSimError } from '../../core/errors.js';
import { builtInApps } from '../../firmware/apps/built-in.js';
import { bannerBytes, bootBanner } from '../../firmware/boot-banner.js';
import { buildAppImage, readAppImage } from '../../firmware/image/app-image.js';
import { validateManifest, type AppManifest } from '../../firmware/image/manifest.js';

const apps = builtInApps();
const banner = (app: string, version = '1.0.0', extra: Partial<AppManifest> = {}): string =>
  bannerBytes(bootBanner({ app, version, config: {}, ...extra }, apps.has(app) ? apps.get(app) : undefined));

describe('what each image prints on the UART at boot', () => {
  it('follows the samples: the kernel banner, then the first printk lines; the SLM only says Ready', () => {
    expect(banner('at_client')).toBe(
      '*** Booting nRF Connect SDK v2.5.0 ***\r\nThe AT host sample started\r\nReady\r\n',
    );
    expect(banner('aws_iot', '1.2.0')).toBe(
      '*** Booting nRF Connect SDK v2.5.0 ***\r\nThe AWS IoT sample started, version: v1.2.0\r\n',
    );
    expect(banner('aws_fota', '1.0.1')).toBe(
      '*** Booting nRF Connect SDK v2.5.0 ***\r\nMQTT AWS Jobs FOTA Sample, version: v1.0.1\r\n',
    );
    expect(banner('serial_lte_modem')).toBe('Ready\r\n');
    // An application the device does not have: its kernel still boots.
    expect(banner('lwm2m_client')).toBe('*** Booting nRF Connect SDK v2.5.0 ***\r\n');
  });

  it('is the manifest banner when the image has one, and survives the image format', () => {
    const image = buildAppImage({ app: 'at_client', version: '2.0.0', banner: ['custom boot', 'Ready'] });
    const { manifest } = readAppImage(image);
    expect(manifest.banner).toEqual(['custom boot', 'Ready']);
    expect(banner('at_client', '2.0.0', { banner: manifest.banner ?? [] })).toBe('custom boot\r\nReady\r\n');
    expect(banner('at_client', '2.0.0', { banner: [] })).toBe('');
  });

  it('refuses a banner that is not a short list of single lines', () => {
    for (const bad of [['two\r\nlines'], 'text', [42], Array(33).fill('x'), ['x'.repeat(257)]]) {
      let error: unknown;
      try {
        validateManifest({ app: 'at_client', version: '1.0.0', banner: bad });
      } catch (err) {
        error = err;
      }
      expect(isSimError(error, ErrorCode.IMAGE_BAD_MANIFEST), JSON.stringify(bad).slice(0, 40)).toBe(true);
    }
  });
});
