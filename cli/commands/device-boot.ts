import net from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { clockRate, type Clock } from '../../core/clock.js';
import { ScaledClock, validateTimeScale } from '../../core/scaled-clock.js';
import type { CliEnv } from '../env.js';
import { ErrorCode, isSimError, SimError } from '../../core/errors.js';
import { isLinkPresetName, LINK_PRESET_NAMES } from '../../core/link.js';
import { createDevice, validateDeviceName, type Device } from '../../firmware/device.js';
import { readAppImage } from '../../firmware/image/app-image.js';
import { inspectImage } from '../../firmware/image/inspect.js';
import type { KeyInput } from '../../firmware/image/keys.js';
import { parseSerialSpec } from '../../firmware/serial.js';
import { loadNrfCloudCa, nrfCloudCaDir } from '../../broker-fixtures/index.js';
import { loadCredentialManifest, provisionNrfCloud } from '../../modem/credentials/provision.js';
import { NRF_CLOUD_SEC_TAG } from '../../modem/credentials/types.js';
import { PtyTransport } from '../../modem/transport/pty.js';
import { DeviceControlServer, ensureNotRunning } from '../../firmware/control/index.js';
import { Output, reportError, stateDirFrom, untilSignal, EXIT_FAILURE } from '../output.js';

interface BootOptions {
  name: string;
  serial: string;
  imei?: string;
  seed?: string;
  state?: string;
  json?: boolean;
  provision?: string;
  credentials?: string;
  link?: string;
  image?: string;
  timeScale?: string;
  dns?: string[];
}

/**
 * `--dns NAME=IP[,IP…]`: entries of the modem's resolver table, e.g. a cluster endpoint with one
 * A record per broker node (the device tries them in order).
 */
export function parseDnsEntries(entries: readonly string[]): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = entry.slice(0, eq).trim();
    const addresses = entry
      .slice(eq + 1)
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '');
    if (eq <= 0 || addresses.length === 0 || !addresses.every((a) => net.isIP(a) !== 0)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `--dns ${JSON.stringify(entry)}: expected NAME=IP[,IP...] with numeric addresses`,
      );
    }
    table[name] = addresses;
  }
  return table;
}

/** `--time-scale K`: the device's clock runs K times faster than wall time (1: wall time itself). */
export function timeScaleClock(text: string | undefined, wall: Clock): Clock {
  if (text === undefined) return wall;
  const scale = validateTimeScale(Number(text), '--time-scale');
  return scale === 1 ? wall : new ScaledClock(wall, scale);
}

const PROVISIONING_PROFILES = ['nrf-cloud'];

/**
 * `--credentials FILE` writes every item of the manifest at each boot; `--provision nrf-cloud` fills
 * sec tag 16842753 with the nRF Cloud stand-in's CA (`<state>/nrf-cloud/ca/`, the one its broker
 * trusts and its server certificate chains to) and a certificate and key it issued, when missing.
 */
async function applyCredentials(
  device: Device,
  options: BootOptions,
  stateDir: string,
  out: Output,
): Promise<void> {
  const store = device.modem.control.credentials;
  if (options.credentials !== undefined) {
    const items = await loadCredentialManifest(path.resolve(options.credentials));
    for (const item of items) await store.put(item);
    out.event(
      'credentials',
      { source: options.credentials, written: items.map((i) => ({ secTag: i.secTag, type: i.type })) },
      `wrote ${items.length} credential(s) from ${options.credentials}`,
    );
  }
  if (options.provision !== undefined) {
    const now = device.clock.now();
    const caDir = nrfCloudCaDir(path.resolve(stateDir));
    const ca = await loadNrfCloudCa(path.resolve(stateDir), device.clock);
    const written = await provisionNrfCloud(store, { ca, clientId: `nrf-${device.identity.imei}`, now });
    out.event(
      'provisioned',
      { profile: options.provision, secTag: NRF_CLOUD_SEC_TAG, written, ca: path.join(caDir, 'ca.crt') },
      written.length > 0
        ? `provisioned nRF Cloud credentials at sec tag ${NRF_CLOUD_SEC_TAG} (types ${written.join(', ')}) from ${caDir}`
        : `nRF Cloud credentials already present at sec tag ${NRF_CLOUD_SEC_TAG}`,
    );
  }
}

/**
 * Refuses an image MCUboot would not boot with `keys` (none: the hash alone), with the code of the
 * first problem `nrf91sim image info` reports for it.
 */
function assertBootable(file: string, bytes: Buffer, keys: readonly KeyInput[]): void {
  const problem = inspectImage(bytes, { keys }).problems[0];
  if (problem) throw new SimError(problem.code, `--image ${file}: ${problem.message}; nothing was flashed`);
}

/**
 * Reads `--image`: it must be a valid MCUboot application image, its hash matching (nothing is
 * flashed otherwise).
 */
async function readFirmwareImage(file: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new SimError(
      ErrorCode.INVALID_ARGUMENT,
      `--image: cannot read ${file} (${(err as Error).message})`,
      {
        cause: err,
      },
    );
  }
  assertBootable(file, bytes, []);
  try {
    readAppImage(bytes);
  } catch (err) {
    throw new SimError(
      isSimError(err) ? err.code : ErrorCode.INVALID_ARGUMENT,
      `--image ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return bytes;
}

export function registerDeviceBoot(device: Command, env: CliEnv): void {
  device
    .command('boot')
    .description('boot one virtual nRF9160 and serve its AT interface until SIGINT/SIGTERM')
    .option('--name <name>', 'device name (names its state folder and seeds its identity)', 'nrf91-0')
    .option('--serial <spec>', 'pty | pty:/path/to/symlink | tcp:PORT | tcp:HOST:PORT | none', 'pty')
    .option('--imei <imei>', '15-digit IMEI with a valid Luhn check digit (default: derived from the name)')
    .option('--seed <seed>', 'seed for the derived identity (default: the name)')
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object per line')
    .option(
      '--provision <profile>',
      'pre-provision credentials: nrf-cloud (CA, cert and key at sec tag 16842753)',
    )
    .option(
      '--credentials <file>',
      'JSON manifest of credentials to write at boot: [{"secTag","type","file"|"content"}]',
    )
    .option(
      '--image <file>',
      'program this firmware image (nrf91sim image build) before running, like west flash',
    )
    .option(
      '--dns <name=ip,...>',
      'a resolver entry, e.g. a cluster endpoint with one address per broker node (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--link <preset>',
      `radio link of the device's sockets: ${LINK_PRESET_NAMES.join(' | ')}`,
      'ideal',
    )
    .option(
      '--time-scale <K>',
      "run the device's clock K times faster than wall time (PSM, TAU, eDRX, RRC and app timers); sockets and the broker stay real",
    )
    .action(async (options: BootOptions) => {
      const out = new Output(options.json === true);
      let device;
      let image: Buffer | undefined;
      try {
        if (options.image !== undefined) image = await readFirmwareImage(options.image);
        if (options.provision !== undefined && !PROVISIONING_PROFILES.includes(options.provision)) {
          throw new SimError(
            ErrorCode.INVALID_ARGUMENT,
            `--provision ${options.provision}: expected one of ${PROVISIONING_PROFILES.join(', ')}`,
          );
        }
        const link = options.link ?? 'ideal';
        if (!isLinkPresetName(link)) {
          throw new SimError(
            ErrorCode.INVALID_ARGUMENT,
            `--link ${link}: expected one of ${LINK_PRESET_NAMES.join(', ')}`,
          );
        }
        const dns = parseDnsEntries(options.dns ?? []);
        const serial = parseSerialSpec(options.serial);
        const clock = timeScaleClock(options.timeScale, env.clock);
        validateDeviceName(options.name);
        await ensureNotRunning(
          path.resolve(stateDirFrom(options.state), 'devices', options.name),
          options.name,
        );
        device = await createDevice({
          name: options.name,
          serial,
          stateDir: stateDirFrom(options.state),
          clock,
          profile: {
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
            ...(options.imei !== undefined ? { identity: { imei: options.imei } } : {}),
            link,
            ...(Object.keys(dns).length ? { dns: { table: dns } } : {}),
          },
        });
      } catch (err) {
        reportError(err, out.json);
        process.exitCode = EXIT_FAILURE;
        return;
      }
      // What the application does shows as `app` lines (the aws_iot and aws_fota samples report).
      device.on('app', (event, detail) =>
        out.event('app', { app: event, ...detail }, `app ${event} ${JSON.stringify(detail)}`),
      );
      const missing = (app: string, message: string): void =>
        out.event('app-missing', { app, code: ErrorCode.APP_UNKNOWN, message }, `nrf91sim: ${message}`);
      device.on('app-missing', (app, err) => missing(app, err.message));
      const appError = device.appError;
      if (appError && device.manifest && !image) missing(device.manifest.app, appError.message);
      try {
        await applyCredentials(device, options, stateDirFrom(options.state), out);
        if (image) {
          // A device built with bootloader keys needs an image signed by one of them.
          assertBootable(options.image as string, image, device.flash.bootloaderKeys);
          await device.control.program(image);
          const m = device.manifest;
          out.event(
            'flashed',
            { file: options.image, app: m?.app, version: m?.version },
            `programmed ${options.image}: ${m?.app ?? 'unknown'} ${m?.version ?? ''}`.trimEnd(),
          );
        }
      } catch (err) {
        reportError(err, out.json);
        await device.close();
        process.exitCode = EXIT_FAILURE;
        return;
      }
      if (device.power === 'halted') {
        // MCUboot found nothing it can boot: the AT port stays silent, so say why instead of `ready`.
        const problem = device.lastBoot?.problem;
        const reason = problem?.message ?? 'no bootable image';
        out.event(
          'halted',
          { name: device.name, reason, ...(problem ? { code: problem.code } : {}) },
          `device ${device.name} halted: MCUboot found no bootable image (${reason}); flash one with --image`,
        );
        await device.close();
        process.exitCode = EXIT_FAILURE;
        return;
      }
      let control: DeviceControlServer | undefined;
      try {
        if (device.stateDir) control = await DeviceControlServer.start(device, device.stateDir);
      } catch (err) {
        reportError(err, out.json);
        await device.close();
        process.exitCode = EXIT_FAILURE;
        return;
      }
      // Listen before announcing: a script may signal the moment it reads the ready line.
      const stopped = untilSignal();
      const { identity } = device;
      const transport = device.serial;
      if (transport instanceof PtyTransport) {
        const pty = transport;
        out.event(
          'serial',
          { kind: 'pty', path: pty.ptyPath, ...(pty.link ? { link: pty.link } : {}) },
          `serial port: ${pty.ptyPath}${pty.link ? ` (link ${pty.link})` : ''}`,
        );
      } else if (transport?.kind === 'tcp') {
        out.event(
          'serial',
          { kind: 'tcp', address: transport.address },
          `serial port: tcp ${transport.address}`,
        );
      }
      out.event(
        'ready',
        {
          name: device.name,
          imei: identity.imei,
          iccid: identity.iccid,
          imsi: identity.imsi,
          firmware: identity.firmwareVersion,
          link: device.modem.link.profile.name,
          timeScale: clockRate(device.clock),
        },
        `device ${device.name} ready: IMEI ${identity.imei}, modem firmware ${identity.firmwareVersion}` +
          `${clockRate(device.clock) === 1 ? '' : `, time ×${clockRate(device.clock)}`} (Ctrl-C to stop)`,
      );
      const signal = await stopped;
      await control?.close();
      await device.close();
      out.event('shutdown', { signal }, `device ${device.name} stopped`);
    });
}
