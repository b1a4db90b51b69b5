import type { Random } from '../../core/random.js';
import type { DeviceModem } from '../../modem/device-modem.js';

/** Where the simulated GNSS fix is centred (Nordic's office in Trondheim). */
const HOME = { lat: 63.4215, lon: 10.4376 };

function nmeaChecksum(body: string): string {
  let x = 0;
  for (const c of body) x ^= c.charCodeAt(0);
  return x.toString(16).toUpperCase().padStart(2, '0');
}

function nmeaAngle(value: number, degreeDigits: number): string {
  const abs = Math.abs(value);
  const deg = Math.floor(abs);
  const min = (abs - deg) * 60;
  return `${String(deg).padStart(degreeDigits, '0')}${min.toFixed(4).padStart(7, '0')}`;
}

/**
 * A `$GPGGA` sentence as the seed's GPS sensor sends it (`data` of the `GPS` appId): a fix near
 * `HOME` jittered by the device's seeded randomness, at `nowMs` UTC.
 */
export function gpggaSentence(nowMs: number, random: Random): string {
  const lat = HOME.lat + (random.next() - 0.5) * 0.002;
  const lon = HOME.lon + (random.next() - 0.5) * 0.002;
  const t = new Date(nowMs);
  const hhmmss = [t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join('');
  const body =
    `GPGGA,${hhmmss}.00,${nmeaAngle(lat, 2)},${lat >= 0 ? 'N' : 'S'},${nmeaAngle(lon, 3)},` +
    `${lon >= 0 ? 'E' : 'W'},1,${7 + random.int(0, 4)},1.2,${(40 + random.next() * 5).toFixed(1)},M,41.0,M,,`;
  return `$${body}*${nmeaChecksum(body)}`;
}

/** `%XTEMP?`: the modem's temperature in °C, or undefined. */
export async function modemTemperature(modem: DeviceModem): Promise<number | undefined> {
  const lines = await modem.channel().command('AT%XTEMP?');
  const m = /%XTEMP: (-?\d+)/.exec(lines.join('\n'));
  return m ? Number(m[1]) : undefined;
}

/** `+CESQ`: RSRP in dBm (index − 140), or undefined without a measurement (255). */
export async function modemRsrp(modem: DeviceModem): Promise<number | undefined> {
  const lines = await modem.channel().command('AT+CESQ');
  const m = /\+CESQ: \d+,\d+,\d+,\d+,\d+,(\d+)/.exec(lines.join('\n'));
  const index = m ? Number(m[1]) : 255;
  return index === 255 ? undefined : index - 140;
}

/** `reported.device.deviceInfo` and `simInfo` as modem_info fills them. */
export async function deviceInfoSections(
  modem: DeviceModem,
  appVersion: string,
  appName: string,
): Promise<Record<string, unknown>> {
  const ch = modem.channel();
  const first = async (cmd: string): Promise<string> => {
    try {
      return ((await ch.command(cmd))[0] ?? '').replace(/^[%+][A-Z]+: /, '');
    } catch {
      return '';
    }
  };
  const [modemFirmware, imei, iccid, imsi] = [
    await first('AT+CGMR'),
    await first('AT+CGSN'),
    await first('AT%XICCID'),
    await first('AT+CIMI'),
  ];
  return {
    deviceInfo: { modemFirmware, imei, board: 'nrf9160dk_nrf9160', appVersion, appName },
    simInfo: { uiccMode: 1, iccid, imsi },
  };
}
