import type { ModemIdentity } from '../identity.js';

/**
 * The elementary files of the simulated USIM that SIM-access commands (`+CRSM`, `+CSIM`) read, built
 * from the identity: EF_ICCID under the MF, and under ADF USIM EF_IMSI, EF_AD and an empty EF_FPLMN
 * (3GPP TS 31.102 §4.2, ETSI TS 102 221 §13.2).
 */
export interface SimFile {
  fid: number;
  /** The DF it lives in: the MF (0x3F00) or ADF USIM (0x7FFF). */
  parent: 0x3f00 | 0x7fff;
  data: Buffer;
}

export const MF = 0x3f00;
export const ADF_USIM = 0x7fff;
/** The USIM application's AID prefix (RID A000000087, application code 1002). */
export const USIM_AID = Buffer.from('A0000000871002', 'hex');

/** Digits packed two per byte, low nibble first, padded with F (the BCD of ICCID and IMSI). */
function swappedBcd(digits: string): Buffer {
  const padded = digits.length % 2 === 0 ? digits : `${digits}F`;
  const out = Buffer.alloc(padded.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(`${padded[2 * i + 1]}${padded[2 * i]}`, 16);
  }
  return out;
}

/** EF_IMSI: length, then the digits after a parity/type nibble (TS 31.102 §4.2.2, TS 24.008 §10.5.1.4). */
function imsiFile(imsi: string): Buffer {
  const parity = imsi.length % 2 === 1 ? 0x9 : 0x1;
  const nibbles = [parity, ...[...imsi].map(Number)];
  if (nibbles.length % 2 === 1) nibbles.push(0xf);
  // Buffer.alloc (never pooled): the file lives as long as the modem.
  const file = Buffer.alloc(1 + nibbles.length / 2);
  file[0] = nibbles.length / 2;
  for (let i = 1; i < file.length; i++)
    file[i] = ((nibbles[2 * i - 1] as number) << 4) | (nibbles[2 * i - 2] as number);
  return file;
}

export function simFiles(identity: ModemIdentity): SimFile[] {
  // EF_AD byte 4: the MNC length; a 901 (international) IMSI uses two digits.
  const mncLength = /^(310|311|312|313|316|302|334|338|342|344|346|348|354|356|358|360|365|376)/.test(
    identity.imsi,
  )
    ? 3
    : 2;
  return [
    { fid: 0x2fe2, parent: MF, data: swappedBcd(identity.iccid) },
    { fid: 0x6f07, parent: ADF_USIM, data: imsiFile(identity.imsi) },
    // Buffer.alloc, not Buffer.from([...]): a pooled buffer would keep its whole 8 KB slab alive
    // for as long as the modem lives.
    { fid: 0x6fad, parent: ADF_USIM, data: Buffer.alloc(4).fill(mncLength, 3) },
    { fid: 0x6f7b, parent: ADF_USIM, data: Buffer.alloc(12, 0xff) },
  ];
}

/** A minimal FCP template for a transparent EF (ETSI TS 102 221 §11.1.1.3): descriptor, id, size. */
export function fcp(file: SimFile): Buffer {
  const size = file.data.length;
  const body = Buffer.from([
    0x82,
    0x02,
    0x41,
    0x21,
    0x83,
    0x02,
    file.fid >> 8,
    file.fid & 0xff,
    0x8a,
    0x01,
    0x05,
    0x80,
    0x02,
    size >> 8,
    size & 0xff,
  ]);
  return Buffer.concat([Buffer.from([0x62, body.length]), body]);
}

/** Status words (ETSI TS 102 221 §10.2.1). */
export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  SECURITY_NOT_SATISFIED: 0x6982,
  INCOMPATIBLE_FILE_STRUCTURE: 0x6981,
  NO_EF_SELECTED: 0x6986,
  FILE_NOT_FOUND: 0x6a82,
  WRONG_P1P2: 0x6a86,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  NO_PIN_SET: 0x6984,
  NO_CHANNEL: 0x6881,
} as const;

/**
 * The UICC the SIM-access commands talk to: its files, and the logical channels `+CSIM` opens
 * (MANAGE CHANNEL) with the file selected on each. Powering the UICC down closes every channel.
 */
export class SimCard {
  readonly files: SimFile[];
  private readonly channels = new Map<number, SimFile | undefined>();

  constructor(identity: ModemIdentity) {
    this.files = simFiles(identity);
  }

  find(fid: number): SimFile | undefined {
    return this.files.find((f) => f.fid === fid);
  }

  /** MANAGE CHANNEL open: the lowest free channel 1-3, or undefined when all are open. */
  openChannel(): number | undefined {
    for (let ch = 1; ch <= 3; ch++) {
      if (!this.channels.has(ch)) {
        this.channels.set(ch, undefined);
        return ch;
      }
    }
    return undefined;
  }

  closeChannel(ch: number): boolean {
    return this.channels.delete(ch);
  }

  isOpen(ch: number): boolean {
    return this.channels.has(ch);
  }

  selected(ch: number): SimFile | undefined {
    return this.channels.get(ch);
  }

  select(ch: number, file: SimFile | undefined): void {
    this.channels.set(ch, file);
  }

  reset(): void {
    this.channels.clear();
  }
}
