import { readFileSync } from 'node:fs';
import { DeviceFlash, MemoryFlashStorage, type FlashLayout } from '../../firmware/boot/index.js';
import { buildAppImage, type KeyInput } from '../../firmware/image/index.js';

/** Small slots keep the tests quick: 16 sectors of 4 KB, the nRF9160 write geometry. */
export const SMALL_LAYOUT: Partial<FlashLayout> = { slotSize: 0x10000, maxImageSectors: 16 };

export const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/imgtool/${name}`, import.meta.url));
export const signingKey = fixture('ecdsa-p256.pem').toString();
export const publicKey = fixture('ecdsa-p256-pub.pem').toString();
export const otherKey = fixture('other-p256.pem').toString();

export function appImage(
  version: string,
  options: { size?: number; key?: KeyInput; app?: string } = {},
): Buffer {
  return buildAppImage({
    app: options.app ?? 'at_client',
    version,
    size: options.size ?? 9000,
    ...(options.key ? { signingKey: options.key } : {}),
  });
}

/** A device flash in memory with `v1` in the primary slot; reopen it with the same storage. */
export async function flashWith(
  primary: Buffer | undefined,
  options: { keys?: KeyInput[]; storage?: MemoryFlashStorage } = {},
): Promise<{ flash: DeviceFlash; storage: MemoryFlashStorage }> {
  const storage = options.storage ?? new MemoryFlashStorage();
  const flash = await DeviceFlash.open({
    storage,
    layout: SMALL_LAYOUT,
    ...(options.keys ? { bootloaderKeys: options.keys } : {}),
  });
  if (primary) await flash.program(primary);
  return { flash, storage };
}

/** Streams an image into the secondary slot as a FOTA download would, then requests the upgrade. */
export async function stage(
  flash: DeviceFlash,
  image: Buffer,
  mode: 'test' | 'permanent' | 'none' = 'test',
): Promise<void> {
  const writer = flash.imageControl().secondaryWriter();
  for (let off = 0; off < image.length; off += 2048) await writer.write(image.subarray(off, off + 2048));
  await writer.done();
  if (mode !== 'none') await flash.imageControl().requestUpgrade(mode);
}
