import type { AtCommand } from '../command.js';
import { AtError, CmeError } from '../errors.js';
import { ADF_USIM, fcp, MF, SW, USIM_AID, type SimCard, type SimFile } from '../sim-files.js';
import { requireUicc } from './sim.js';

const hex = (b: Buffer): string => b.toString('hex').toUpperCase();

function crsm(sw: number, data?: Buffer): string[] {
  return [`+CRSM: ${sw >> 8},${sw & 0xff}${data ? `,"${hex(data)}"` : ''}`];
}

/** The bytes a READ BINARY of `le` bytes (0 = to the end) at `offset` returns, or the status word. */
function readBinary(file: SimFile, offset: number, le: number): Buffer | number {
  if (offset > file.data.length) return 0x6b00;
  const available = file.data.length - offset;
  const n = le === 0 ? available : le;
  // T=0: a wrong Le is answered 6Cxx with the exact length.
  if (n > available) return 0x6c00 | available;
  return file.data.subarray(offset, offset + n);
}

/**
 * `+CRSM=<command>[,<fileid>[,<P1>,<P2>,<P3>[,<data>[,<pathid>]]]]`: restricted SIM access,
 * `+CRSM: <sw1>,<sw2>[,"<response>"]`. READ BINARY (176) and GET RESPONSE (192) of EF_ICCID (12258),
 * EF_IMSI (28423), EF_AD and EF_FPLMN; STATUS (242); the files are read-only (UPDATE answers 69 82).
 */
export const crsmCommand: AtCommand = {
  name: '+CRSM',
  ref: 'nRF91 AT ref +CRSM; 3GPP TS 27.007 §8.18; ETSI TS 102 221 §10-11',
  set: ({ modem, params }) => {
    params.count(1, 7);
    const command = params.oneOf(0, [176, 178, 192, 214, 220, 242, 203, 219]);
    requireUicc(modem);
    if (command === 242) return crsm(SW.OK);
    const fileId = params.int(1, { min: 0, max: 0xffff });
    const file = modem.uicc.find(fileId);
    if (!file) return crsm(SW.FILE_NOT_FOUND);
    switch (command) {
      case 176: {
        const p1 = params.int(2, { min: 0, max: 255 });
        const p2 = params.int(3, { min: 0, max: 255 });
        const p3 = params.int(4, { min: 0, max: 255 });
        const r = readBinary(file, (p1 << 8) | p2, p3);
        return typeof r === 'number' ? crsm(r) : crsm(SW.OK, r);
      }
      case 192:
        return crsm(SW.OK, fcp(file));
      case 178:
        return crsm(SW.INCOMPATIBLE_FILE_STRUCTURE);
      case 214:
      case 220:
        return crsm(SW.SECURITY_NOT_SATISFIED);
      default:
        return crsm(SW.INS_NOT_SUPPORTED);
    }
  },
};

/** ISO 7816-4 instructions the modem lets through on the basic channel (nRF91 AT ref +CSIM). */
const BASIC_CHANNEL_INS = new Set([0x70, 0xf2, 0x20, 0x24, 0x26, 0x28, 0x2c, 0xc2]);

/** One command APDU (CLA INS P1 P2 [Lc data] [Le]) answered with data and a status word. */
function apdu(card: SimCard, cmd: Buffer): Buffer {
  const [cla = 0, ins = 0, p1 = 0, p2 = 0] = cmd;
  const sw = (word: number, data: Buffer = Buffer.alloc(0)): Buffer =>
    Buffer.concat([data, Buffer.from([word >> 8, word & 0xff])]);
  if ((cla & 0x7c) !== 0) return sw(SW.CLA_NOT_SUPPORTED);
  const channel = cla & 0x03;
  if (channel === 0 && !BASIC_CHANNEL_INS.has(ins)) throw new AtError(CmeError.OPERATION_NOT_ALLOWED);
  if (channel !== 0 && !card.isOpen(channel)) return sw(SW.NO_CHANNEL);
  const body = cmd.subarray(5, 5 + (cmd[4] ?? 0));
  switch (ins) {
    case 0x70: {
      if (p1 === 0x80) return sw(card.closeChannel(p2) ? SW.OK : SW.NO_CHANNEL);
      const opened = card.openChannel();
      return opened === undefined ? sw(SW.NO_CHANNEL) : sw(SW.OK, Buffer.from([opened]));
    }
    case 0xf2:
    case 0xc2:
      return sw(SW.OK);
    case 0x20:
    case 0x24:
    case 0x26:
    case 0x28:
    case 0x2c:
      // The simulated SIM has no PIN enabled.
      return sw(SW.NO_PIN_SET);
    case 0xa4: {
      let fid: number | undefined;
      if (p1 === 0x04) fid = body.subarray(0, USIM_AID.length).equals(USIM_AID) ? ADF_USIM : undefined;
      else if (body.length >= 2) fid = body.readUInt16BE(body.length - 2);
      if (fid === MF || fid === ADF_USIM) {
        card.select(channel, undefined);
        return sw(SW.OK);
      }
      const file = fid === undefined ? undefined : card.find(fid);
      if (!file) return sw(SW.FILE_NOT_FOUND);
      card.select(channel, file);
      return p2 === 0x0c ? sw(SW.OK) : sw(SW.OK, fcp(file));
    }
    case 0xb0: {
      const file = card.selected(channel);
      if (!file) return sw(SW.NO_EF_SELECTED);
      const r = readBinary(file, (p1 << 8) | p2, cmd[4] ?? 0);
      return typeof r === 'number' ? sw(r) : sw(SW.OK, r);
    }
    default:
      return sw(SW.INS_NOT_SUPPORTED);
  }
}

/**
 * `+CSIM=<length>,"<command>"`: generic SIM access, `+CSIM: <length>,"<response>"`. On the basic
 * channel only STATUS, MANAGE CHANNEL, the PIN commands and ENVELOPE (others: CME 3, as the modem
 * keeps the basic channel); on a logical channel SELECT (by FID, path or the USIM AID) and READ BINARY
 * read the same files as `+CRSM`. SELECT returns the FCP directly, without 61xx / GET RESPONSE.
 */
export const csimCommand: AtCommand = {
  name: '+CSIM',
  ref: 'nRF91 AT ref +CSIM; 3GPP TS 27.007 §8.17; ETSI TS 102 221 §10-11',
  set: ({ modem, params }) => {
    params.count(2);
    const length = params.int(0, { min: 8, max: 522 });
    const command = params.string(1);
    if (command.length !== length || !/^([0-9A-Fa-f]{2})+$/.test(command)) {
      throw new AtError(CmeError.INCORRECT_PARAMETERS);
    }
    requireUicc(modem);
    const response = hex(apdu(modem.uicc, Buffer.from(command, 'hex')));
    return [`+CSIM: ${response.length},"${response}"`];
  },
};
