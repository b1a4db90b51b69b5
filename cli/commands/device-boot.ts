import type { Command } from 'commander';
import { createDevice } from '../../firmware/device.js';
import { parseSerialSpec } from '../../firmware/serial.js';
import { PtyTransport } from '../../modem/transport/pty.js';
import { Output, reportError, stateDirFrom, untilSignal, EXIT_FAILURE } from '../output.js';

interface BootOptions {
  name: string;
  serial: string;
  imei?: string;
  seed?: string;
  state?: string;
  json?: boolean;
}

export function registerDeviceBoot(device: Command): void {
  device
    .command('boot')
    .description('boot one virtual nRF9160 and serve its AT interface until SIGINT/SIGTERM')
    .option('--name <name>', 'device name (names its state folder and seeds its identity)', 'nrf91-0')
    .option('--serial <spec>', 'pty | pty:/path/to/symlink | tcp:PORT | tcp:HOST:PORT | none', 'pty')
    .option('--imei <imei>', '15-digit IMEI with a valid Luhn check digit (default: derived from the name)')
    .option('--seed <seed>', 'seed for the derived identity (default: the name)')
    .option('--state <dir>', 'state directory (default: $NRF91SIM_STATE or ./.nrf91sim)')
    .option('--json', 'print one JSON object per line')
    .action(async (options: BootOptions) => {
      const out = new Output(options.json === true);
      let device;
      try {
        const serial = parseSerialSpec(options.serial);
        device = await createDevice({
          name: options.name,
          serial,
          stateDir: stateDirFrom(options.state),
          profile: {
            ...(options.seed !== undefined ? { seed: options.seed } : {}),
            ...(options.imei !== undefined ? { identity: { imei: options.imei } } : {}),
          },
        });
      } catch (err) {
        reportError(err, out.json);
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
        },
        `device ${device.name} ready: IMEI ${identity.imei}, modem firmware ${identity.firmwareVersion} (Ctrl-C to stop)`,
      );
      const signal = await stopped;
      await device.close();
      out.event('shutdown', { signal }, `device ${device.name} stopped`);
    });
}
