import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildAppImage,
  buildImage,
  dfuImageType,
  encodeHeader,
  formatVersion,
  inspectImage,
  keyHash,
  parseImage,
  parseVersion,
  readAppImage,
  TlvType,
  verifyImage,
} from '../../firmware/image/index.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/imgtool/${name}`, import.meta.url));
const key = fixture('ecdsa-p256.pem').toString();
const pub = fixture('ecdsa-p256-pub.pem').toString();
const other = fixture('other-p256.pem').toString();
const body = fixture('body-with-header-space.bin').subarray(0x200);

describe('image header', () => {
  it('packs the 32 bytes little-endian in image_header order', () => {
    const bytes = encodeHeader({
      loadAddress: 0x20000000,
      headerSize: 0x200,
      protectedTlvSize: 0x0c,
      imageSize: 0x12345,
      flags: 0x20,
      version: { major: 1, minor: 2, revision: 0x0304, build: 0x05060708 },
    });
    expect(bytes.toString('hex')).toBe(
      [
        '3db8f396', // ih_magic
        '00000020', // ih_load_addr
        '0002', // ih_hdr_size
        '0c00', // ih_protect_tlv_size
        '45230100', // ih_img_size
        '20000000', // ih_flags
        '01',
        '02',
        '0403',
        '08070605', // ih_ver
        '00000000', // _pad1
      ].join(''),
    );
  });

  it('parses versions with imgtool grammar and limits', () => {
    expect(parseVersion('1.0.1')).toEqual({ major: 1, minor: 0, revision: 1, build: 0 });
    expect(parseVersion('2')).toEqual({ major: 2, minor: 0, revision: 0, build: 0 });
    expect(formatVersion(parseVersion('1.2.3+4'))).toBe('1.2.3+4');
    expect(() => parseVersion('01.0.0')).toThrow(/expected major/);
    expect(() => parseVersion('256.0.0')).toThrow(/major 256 exceeds 255/);
    expect(() => parseVersion('1.0.65536')).toThrow(/revision/);
  });
});

describe('images as imgtool lays them out', () => {
  it('builds an unsigned image byte-identical to imgtool sign', () => {
    expect(buildImage({ body, version: '1.0.1+7' }).equals(fixture('unsigned.bin'))).toBe(true);
  });

  it('builds a signed image identical to imgtool up to the (randomised) ECDSA signature', () => {
    const mine = buildImage({ body, version: '1.0.1+7', signingKey: key });
    const theirs = fixture('signed.bin');
    const sigOf = (b: Buffer) => parseImage(b).tlvs.find((t) => t.type === TlvType.ECDSA_SIG);
    const mineSig = sigOf(mine);
    const theirSig = sigOf(theirs);
    expect(mineSig?.offset).toBe(theirSig?.offset);
    const cut = (mineSig?.offset ?? 0) - 4;
    const tlvInfo = 0x200 + parseImage(mine).header.imageSize;
    // Everything before the signature TLV's header (header, body, SHA-256, KEYHASH) is the same, but
    // for it_tlv_tot: a DER signature is 70 to 72 bytes long.
    expect(mine.subarray(0, tlvInfo + 2).equals(theirs.subarray(0, tlvInfo + 2))).toBe(true);
    expect(mine.subarray(tlvInfo + 4, cut).equals(theirs.subarray(tlvInfo + 4, cut))).toBe(true);
    expect(mine.readUInt16LE(tlvInfo + 2) - (mineSig?.value.length ?? 0)).toBe(
      theirs.readUInt16LE(tlvInfo + 2) - (theirSig?.value.length ?? 0),
    );
    expect(verifyImage(parseImage(mine), { keys: [pub] }).signature.status).toBe('valid');
  });

  it('verifies imgtool-signed images, padded signatures and protected TLVs', () => {
    for (const name of ['signed.bin', 'signed-pad-sig.bin', 'signed-security-counter.bin']) {
      const result = verifyImage(parseImage(fixture(name)), { keys: [pub] });
      expect({ name, valid: result.valid, problems: result.problems }).toEqual({
        name,
        valid: true,
        problems: [],
      });
    }
    const sec = parseImage(fixture('signed-security-counter.bin'));
    expect(sec.header.protectedTlvSize).toBe(12);
    expect(sec.protectedTlvs).toEqual([expect.objectContaining({ type: TlvType.SEC_CNT })]);
    expect(sec.protectedTlvs[0]?.value.readUInt32LE(0)).toBe(5);
  });

  it('puts SHA-256 of the DER public key in the key hash TLV', () => {
    const image = parseImage(fixture('signed.bin'));
    const tlv = image.tlvs.find((t) => t.type === TlvType.KEYHASH);
    expect(tlv?.value.equals(keyHash(pub))).toBe(true);
    expect(keyHash(key).equals(keyHash(pub))).toBe(true);
  });

  it('reports a key the bootloader does not know', () => {
    const result = verifyImage(parseImage(fixture('signed.bin')), { keys: [other] });
    expect(result.valid).toBe(false);
    expect(result.signature.status).toBe('unknown-key');
    expect(result.problems[0]?.code).toBe('NRF91SIM_IMAGE_KEY_UNKNOWN');
  });

  it('parses an image out of a padded slot dump with its trailer', () => {
    const slot = fixture('confirmed-slot-64k.bin');
    const image = parseImage(slot);
    expect(image.size).toBe(fixture('unsigned.bin').length);
    expect(formatVersion(image.header.version)).toBe('2.0.0');
    expect(verifyImage(image).valid).toBe(true);
  });
});

describe('application images', () => {
  it('round-trips the app, version and configuration through the body', () => {
    const bytes = buildAppImage({
      app: 'aws_iot',
      version: '1.2.0+3',
      config: { endpoint: 'x.local' },
      size: 20_000,
    });
    const { image, manifest } = readAppImage(bytes);
    expect(manifest).toEqual({ app: 'aws_iot', version: '1.2.0+3', config: { endpoint: 'x.local' } });
    expect(image.header.imageSize).toBe(20_000);
    expect(image.header.headerSize).toBe(0x200);
    expect(dfuImageType(bytes)).toBe('mcuboot');
  });

  it('describes an image for image info', () => {
    const bytes = buildAppImage({ app: 'at_client', version: '1.0.1', signingKey: key });
    const report = inspectImage(bytes, { keys: [pub] });
    expect(report).toMatchObject({
      type: 'mcuboot',
      valid: true,
      header: { version: '1.0.1', headerSize: 512, magic: '0x96f3b83d' },
      signature: { status: 'valid' },
      manifest: { app: 'at_client', version: '1.0.1', config: {} },
      problems: [],
    });
    expect(report.tlvs?.map((t) => t.type)).toEqual(['SHA256', 'KEYHASH', 'ECDSA_SIG']);
  });
});
