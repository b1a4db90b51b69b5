import { describe, expect, it } from 'vitest';
import {
  BOOT_MAGIC,
  DeviceFlash,
  MemoryFlashStorage,
  readSwapState,
  SWAP_TABLE,
  trailerOffsets,
} from '../../firmware/boot/index.js';
import { formatVersion, parseImage } from '../../firmware/image/index.js';
import {
  appImage,
  fixture,
  flashWith,
  otherKey,
  publicKey,
  signingKey,
  SMALL_LAYOUT,
  stage,
} from './boot-helpers.js';

const v1 = appImage('1.0.0');
const v2 = appImage('2.0.0', { size: 12_000 });

describe('boot decision table (MCUboot boot_swap_tables + validation)', () => {
  it('boots a directly flashed image without swapping', async () => {
    const { flash } = await flashWith(v1);
    const r = await flash.bootloader().boot();
    expect(r).toMatchObject({
      swapType: 'none',
      bootable: true,
      resumed: false,
      image: { version: '1.0.0', confirmed: false },
    });
    expect(r.image?.manifest?.app).toBe('at_client');
    expect(r.flashOperations).toBe(0);
  });

  it('test swap: runs the new image once, then reverts when it was not confirmed', async () => {
    const { flash } = await flashWith(v1);
    await stage(flash, v2, 'test');
    expect(flash.imageControl().swapType()).toBe('test');
    const first = await flash.bootloader().boot();
    expect(first).toMatchObject({ swapType: 'test', image: { version: '2.0.0', confirmed: false } });
    expect(first.reason).toMatch(/test boot/);
    // Primary trailer after a test swap: magic, swap_info TEST, copy_done set, image_ok unset.
    expect(readSwapState(flash.primary, flash.layout)).toEqual({
      magic: 'good',
      swapType: 'test',
      imageNum: 0,
      copyDone: 'set',
      imageOk: 'unset',
    });
    expect(flash.imageControl().swapType()).toBe('revert');
    expect(formatVersion(parseImage(flash.secondary.snapshot()).header.version)).toBe('1.0.0');

    const second = await flash.bootloader().boot();
    expect(second).toMatchObject({ swapType: 'revert', image: { version: '1.0.0', confirmed: true } });
    const third = await flash.bootloader().boot();
    expect(third).toMatchObject({ swapType: 'none', image: { version: '1.0.0' } });
  });

  it('test swap confirmed by the application stays', async () => {
    const { flash } = await flashWith(v1);
    await stage(flash, v2, 'test');
    await flash.bootloader().boot();
    expect(flash.imageControl().isImgConfirmed()).toBe(false);
    await flash.imageControl().writeImgConfirmed();
    expect(flash.imageControl().isImgConfirmed()).toBe(true);
    const again = await flash.bootloader().boot();
    expect(again).toMatchObject({ swapType: 'none', image: { version: '2.0.0', confirmed: true } });
  });

  it('permanent upgrade needs no confirmation', async () => {
    const { flash } = await flashWith(v1);
    await stage(flash, v2, 'permanent');
    expect(readSwapState(flash.secondary, flash.layout)).toMatchObject({
      magic: 'good',
      imageOk: 'set',
      swapType: 'perm',
    });
    expect(await flash.bootloader().boot()).toMatchObject({
      swapType: 'perm',
      image: { version: '2.0.0', confirmed: true },
    });
    expect(await flash.bootloader().boot()).toMatchObject({ swapType: 'none', image: { version: '2.0.0' } });
  });

  it('an invalid secondary image is erased and the primary keeps running', async () => {
    const { flash } = await flashWith(v1);
    const bad = Buffer.from(v2);
    bad[0x400] = (bad[0x400] as number) ^ 0xff;
    await stage(flash, bad, 'test');
    const r = await flash.bootloader().boot();
    expect(r).toMatchObject({
      swapType: 'none',
      image: { version: '1.0.0' },
      secondaryErased: { code: 'NRF91SIM_IMAGE_HASH_MISMATCH' },
    });
    expect(flash.secondary.isErased(0, flash.layout.slotSize)).toBe(true);
  });

  it('a trailer with no image behind it is removed', async () => {
    const { flash } = await flashWith(v1);
    await flash.imageControl().requestUpgrade('test');
    const r = await flash.bootloader().boot();
    expect(r).toMatchObject({ swapType: 'none', image: { version: '1.0.0' } });
    expect(readSwapState(flash.secondary, flash.layout).magic).toBe('unset');
  });

  it('clears a revert that has nothing to revert to', async () => {
    const { flash } = await flashWith(v1);
    await stage(flash, v2, 'test');
    await flash.bootloader().boot();
    await flash.imageControl().eraseSecondary(); // the unconfirmed image started a new download
    const r = await flash.bootloader().boot();
    expect(r).toMatchObject({ swapType: 'none', image: { version: '2.0.0' } });
    expect(readSwapState(flash.primary, flash.layout).magic).toBe('unset');
    expect(await flash.bootloader().boot()).toMatchObject({ swapType: 'none', image: { version: '2.0.0' } });
  });

  it('halts when the primary slot holds no valid image', async () => {
    const empty = await flashWith(undefined);
    expect(await empty.flash.bootloader().boot()).toMatchObject({
      bootable: false,
      problem: { code: 'NRF91SIM_BOOT_NO_BOOTABLE_IMAGE' },
    });
    expect(empty.flash.bootloader().state).toBe('off');
    const { flash } = await flashWith(v1);
    await flash.primary.write(0x300, Buffer.alloc(4, 0));
    const boot = flash.bootloader();
    expect(await boot.boot()).toMatchObject({
      bootable: false,
      problem: { code: 'NRF91SIM_IMAGE_HASH_MISMATCH' },
    });
    expect(boot.state).toBe('halted');
  });

  it('covers every row of the swap table', () => {
    expect(SWAP_TABLE.map((r) => r.swapType)).toEqual(['test', 'perm', 'revert']);
  });
});

describe('signature checks against the bootloader key', () => {
  it('swaps in an image signed with the bootloader key', async () => {
    const { flash } = await flashWith(appImage('1.0.0', { key: signingKey }), { keys: [publicKey] });
    await stage(flash, appImage('1.1.0', { key: signingKey }), 'test');
    expect(await flash.bootloader().boot()).toMatchObject({ swapType: 'test', image: { version: '1.1.0' } });
  });

  it.each([
    ['unsigned', appImage('1.1.0'), 'NRF91SIM_IMAGE_UNSIGNED'],
    ['signed with another key', appImage('1.1.0', { key: otherKey }), 'NRF91SIM_IMAGE_KEY_UNKNOWN'],
  ])('erases an image that is %s', async (_name, image, code) => {
    const { flash } = await flashWith(appImage('1.0.0', { key: signingKey }), { keys: [publicKey] });
    await stage(flash, image, 'permanent');
    expect(await flash.bootloader().boot()).toMatchObject({
      swapType: 'none',
      image: { version: '1.0.0' },
      secondaryErased: { code },
    });
  });

  it('refuses to start an unsigned primary image', async () => {
    const { flash } = await flashWith(appImage('1.0.0'), { keys: [publicKey] });
    expect(await flash.bootloader().boot()).toMatchObject({
      bootable: false,
      problem: { code: 'NRF91SIM_IMAGE_UNSIGNED' },
    });
  });

  it('keeps the bootloader keys in flash across reopen', async () => {
    const storage = new MemoryFlashStorage();
    await flashWith(undefined, { keys: [publicKey], storage });
    const reopened = await DeviceFlash.open({ storage, layout: SMALL_LAYOUT });
    expect(reopened.bootloaderKeys).toHaveLength(1);
  });
});

describe('trailer layout matches imgtool', () => {
  it('accepts an imgtool --test padded slot as a pending test upgrade', async () => {
    const { flash } = await flashWith(v1);
    await flash.secondary.erase(0, flash.layout.slotSize);
    await flash.secondary.write(0, fixture('test-slot-64k.bin'));
    expect(readSwapState(flash.secondary, flash.layout)).toMatchObject({ magic: 'good', imageOk: 'unset' });
    expect(await flash.bootloader().boot()).toMatchObject({ swapType: 'test', image: { version: '2.0.0' } });
  });

  it('accepts an imgtool --confirm padded slot as a permanent upgrade', async () => {
    const { flash } = await flashWith(v1);
    await flash.secondary.erase(0, flash.layout.slotSize);
    await flash.secondary.write(0, fixture('confirmed-slot-64k.bin'));
    expect(await flash.bootloader().boot()).toMatchObject({
      swapType: 'perm',
      image: { version: '2.0.0', confirmed: true },
    });
  });

  it('writes the magic and flags where MCUboot reads them', async () => {
    const { flash } = await flashWith(v1);
    await stage(flash, v2, 'permanent');
    const o = trailerOffsets(flash.layout);
    const s = flash.secondary.snapshot();
    expect(s.subarray(0x10000 - 16).equals(BOOT_MAGIC)).toBe(true);
    expect([s[o.imageOk], s[o.swapInfo]]).toEqual([0x01, 0x03]);
    expect([o.imageOk, o.copyDone, o.swapInfo, o.swapSize]).toEqual([
      0x10000 - 24,
      0x10000 - 32,
      0x10000 - 40,
      0x10000 - 48,
    ]);
  });
});
