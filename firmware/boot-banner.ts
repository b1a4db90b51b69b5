import type { AppDefinition } from './app-registry.js';
import type { AppManifest } from './image/manifest.js';

/** The nRF Connect SDK release the simulated images are built with (its boot banner, `#XSLMVER`). */
export const NCS_VERSION = '2.5.0';

/** The kernel's boot banner (CONFIG_BOOT_BANNER with NCS's banner string). */
export const NCS_BOOT_BANNER = `*** Booting nRF Connect SDK v${NCS_VERSION} ***`;

/**
 * What a DK running the image shows on its UART at every boot: the manifest's `banner` when it has
 * one, else the kernel's banner (unless the application's console is elsewhere) and the
 * application's ready lines.
 */
export function bootBanner(manifest: AppManifest, app: AppDefinition | undefined): readonly string[] {
  if (manifest.banner) return manifest.banner;
  return [...(app?.consoleOnUart === false ? [] : [NCS_BOOT_BANNER]), ...(app?.readyLines?.(manifest) ?? [])];
}

/** The banner as the UART carries it: Zephyr's console turns every `\n` into `\r\n`. */
export function bannerBytes(lines: readonly string[]): string {
  return lines.map((line) => `${line}\r\n`).join('');
}
