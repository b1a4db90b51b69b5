import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildAppImage,
  buildImage,
  buildModemDelta,
  dfuImageType,
  inspectImage,
  parseImage,
  parseModemDelta,
  TlvType,
  verifyImage,
} from '../../firmware/image/index.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/imgtool/${name}`, import.meta.url));
const key = fixture('ecdsa-p256.pem').toString();
const pub = fixture('ecdsa-p256-pub.pem').toString();

const signed = buildAppImage({ app: 'at_client', version: '1.0.1', signingKey: key, size: 4096 });
const parsed = parseImage(signed);
const tlvStart = parsed.header.headerSize + parsed.header.imageSize;
const sigTlv = parsed.tlvs.find((t) => t.type === TlvType.ECDSA_SIG);

function mutate(fn: (b: Buffer) => void): Buffer {
  const copy = Buffer.from(signed);
  fn(copy);
  return copy;
}

function parseError(bytes: Buffer): { code: string; message: string } {
  try {
    parseImage(bytes);
  } catch (err) {
    const e = err as { code: string; message: string };
    return { code: e.code, message: e.message };
  }
  throw new Error('image parsed');
}

describe('structural corruption is reported with a precise reason', () => {
  const cases: [string, Buffer, string, RegExp][] = [
    [
      'bad magic',
      mutate((b) => b.writeUInt32LE(0x12345678, 0)),
      'NRF91SIM_IMAGE_BAD_MAGIC',
      /bad magic 0x12345678/,
    ],
    ['erased flash', Buffer.alloc(64, 0xff), 'NRF91SIM_IMAGE_BAD_MAGIC', /erased flash/],
    ['legacy magic', mutate((b) => b.writeUInt32LE(0x96f3b83c, 0)), 'NRF91SIM_IMAGE_BAD_MAGIC', /legacy v1/],
    [
      'header size below 32',
      mutate((b) => b.writeUInt16LE(16, 8)),
      'NRF91SIM_IMAGE_BAD_HEADER',
      /ih_hdr_size 16/,
    ],
    ['truncated header', signed.subarray(0, 20), 'NRF91SIM_IMAGE_TRUNCATED', /header truncated: 20 of 32/],
    [
      'truncated body',
      signed.subarray(0, 0x200 + 100),
      'NRF91SIM_IMAGE_TRUNCATED',
      /body truncated: ih_img_size 4096/,
    ],
    ['no TLV area', signed.subarray(0, tlvStart), 'NRF91SIM_IMAGE_TRUNCATED', /TLV info truncated/],
    [
      'truncated TLV area',
      signed.subarray(0, signed.length - 10),
      'NRF91SIM_IMAGE_TRUNCATED',
      /TLV area truncated/,
    ],
    [
      'bad TLV info magic',
      mutate((b) => b.writeUInt16LE(0x1234, tlvStart)),
      'NRF91SIM_IMAGE_BAD_TLV',
      /bad TLV info magic 0x1234/,
    ],
    [
      'TLV total below its header',
      mutate((b) => b.writeUInt16LE(2, tlvStart + 2)),
      'NRF91SIM_IMAGE_BAD_TLV',
      /less than its own/,
    ],
    [
      'TLV entry overrunning the area',
      mutate((b) => b.writeUInt16LE(200, tlvStart + 6)),
      'NRF91SIM_IMAGE_BAD_TLV',
      /TLV SHA256 at \d+ with length 200 overruns/,
    ],
    [
      'protected size without a protected area',
      mutate((b) => b.writeUInt16LE(12, 10)),
      'NRF91SIM_IMAGE_BAD_TLV',
      /ih_protect_tlv_size is 12 but no protected TLV area/,
    ],
  ];
  it.each(cases)('%s', (_name, bytes, code, message) => {
    const err = parseError(bytes);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('rejects a protected area whose size disagrees with the header', () => {
    const withCounter = buildImage({ body: Buffer.alloc(64, 1), version: '1.0.0', securityCounter: 3 });
    const bad = Buffer.from(withCounter);
    bad.writeUInt16LE(16, 10);
    expect(parseError(bad)).toMatchObject({
      code: 'NRF91SIM_IMAGE_BAD_TLV',
      message: /protected TLV area is 12 bytes/,
    });
  });
});

describe('integrity and authenticity', () => {
  it('accepts the untouched image', () => {
    expect(verifyImage(parseImage(signed), { keys: [pub] })).toMatchObject({ valid: true, problems: [] });
  });

  it('detects a changed body byte as a hash mismatch (and a bad signature)', () => {
    const result = verifyImage(parseImage(mutate((b) => (b[0x300] = (b[0x300] as number) ^ 1))), {
      keys: [pub],
    });
    expect(result.valid).toBe(false);
    expect(result.hash.valid).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual([
      'NRF91SIM_IMAGE_HASH_MISMATCH',
      'NRF91SIM_IMAGE_SIGNATURE_INVALID',
    ]);
  });

  it('detects a changed version in the header', () => {
    const result = verifyImage(parseImage(mutate((b) => b.writeUInt8(9, 20))));
    expect(result.problems[0]?.code).toBe('NRF91SIM_IMAGE_HASH_MISMATCH');
  });

  it('detects a damaged signature while the hash still matches', () => {
    const off = (sigTlv?.offset ?? 0) + 10;
    const result = verifyImage(parseImage(mutate((b) => (b[off] = (b[off] as number) ^ 0x40))), {
      keys: [pub],
    });
    expect(result.hash.valid).toBe(true);
    expect(result.signature.status).toBe('invalid');
    expect(result.problems.map((p) => p.code)).toEqual(['NRF91SIM_IMAGE_SIGNATURE_INVALID']);
  });

  it('refuses an unsigned image when the bootloader has a key', () => {
    const unsigned = buildAppImage({ app: 'at_client', version: '1.0.1' });
    expect(verifyImage(parseImage(unsigned)).valid).toBe(true);
    const result = verifyImage(parseImage(unsigned), { keys: [pub] });
    expect(result.valid).toBe(false);
    expect(result.problems[0]?.code).toBe('NRF91SIM_IMAGE_UNSIGNED');
  });

  it('reports a missing SHA-256 TLV', () => {
    // Retype the SHA-256 TLV as a vendor TLV: the structure stays valid, the hash is gone.
    const result = verifyImage(parseImage(mutate((b) => b.writeUInt16LE(0xa0, tlvStart + 4))));
    expect(result.problems[0]?.code).toBe('NRF91SIM_IMAGE_HASH_MISSING');
  });

  it('reports a damaged manifest in image info', () => {
    const report = inspectImage(
      mutate((b) => b.write('X', 0x200 + 16)),
      { keys: [pub] },
    );
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => p.code)).toContain('NRF91SIM_IMAGE_BAD_MANIFEST');
  });
});

describe('modem delta images', () => {
  it('round-trips the target version behind the 0x7544656d marker', () => {
    const delta = buildModemDelta({ from: 'mfw_nrf9160_1.3.4', to: 'mfw_nrf9160_1.3.5', size: 10_000 });
    expect(delta.subarray(4, 8).toString('hex')).toBe('6d654475');
    expect(delta.length).toBe(10_000);
    expect(dfuImageType(delta)).toBe('modem-delta');
    expect(parseModemDelta(delta)).toEqual({
      from: 'mfw_nrf9160_1.3.4',
      to: 'mfw_nrf9160_1.3.5',
      size: 10_000,
    });
    expect(inspectImage(delta)).toMatchObject({
      type: 'modem-delta',
      valid: true,
      modemDelta: { to: 'mfw_nrf9160_1.3.5' },
    });
  });

  it('rejects damaged and truncated deltas', () => {
    const delta = buildModemDelta({ to: 'mfw_nrf9160_1.3.5', size: 2000 });
    const damaged = Buffer.from(delta);
    damaged[500] = (damaged[500] as number) ^ 1;
    expect(() => parseModemDelta(damaged)).toThrow(/digest mismatch/);
    expect(() => parseModemDelta(delta.subarray(0, 1000))).toThrow(/truncated/);
    expect(() => buildModemDelta({ to: '1.3.5' })).toThrow(/mfw_nrf9160/);
  });

  it('classifies anything else as no update', () => {
    expect(dfuImageType(Buffer.from('hello world'))).toBe('none');
    expect(inspectImage(Buffer.from('hello world'))).toMatchObject({ type: 'none', valid: false });
  });
});
