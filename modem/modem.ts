import type { Clock } from '../core/clock.js';
import { TypedEmitter } from '../core/events.js';
import { Link } from '../core/link.js';
import { Random } from '../core/random.js';
import { trace } from '../core/trace.js';
import { AtChannel } from './at/channel.js';
import { CommandTable, type AtCommand } from './at/command.js';
import { defaultCommands } from './at/commands/table.js';
import type { AtHost } from './at/host.js';
import { AtMonitor, type AtNotificationHandler } from './at/monitor.js';
import { AtSession, type AtSessionOptions } from './at/session.js';
import { SimCard } from './at/sim-files.js';
import { UrcReporter } from './at/urc/reporter.js';
import { UrcSubscriptions } from './at/urc/subscriptions.js';
import { ModemControl } from './control.js';
import { CredentialStore } from './credentials/store.js';
import type { ModemIdentity } from './identity.js';
import { DataPath } from './network/data-path.js';
import { meterModem, type EnergyMeter } from './network/energy-meter.js';
import { FunctionalModeState } from './network/functional-mode.js';
import { ModemClock, type ModemTime } from './network/modem-time.js';
import { NetworkService } from './network/network.js';
import type { SystemMode } from './network/types.js';
import { ModemSensors } from './sensors.js';
import { ModemSettings } from './settings.js';
import { DnsResolver } from './sockets/dns.js';
import { icmpEcho } from './sockets/icmp-echo.js';
import { ModemSockets } from './sockets/modem-sockets.js';
import { TlsSessionCache } from './sockets/socket-context.js';
import { SecureContextCache } from './sockets/tls-credentials.js';
import { buildProfile, type ModemProfile, type ProfileInput } from './profile.js';
import type { Transport } from './transport/transport.js';

export type ModemEvents = {
  /** A notification (URC) line, without terminator, as every AT session and monitor receives it. */
  urc: [line: string];
  /** A command handler failed unexpectedly; the command answered `+CME ERROR: 0` and the modem goes on. */
  'internal-error': [command: string, error: unknown];
  close: [];
};

export type { SystemMode } from './network/types.js';
export type { ModemTime } from './network/modem-time.js';

export interface ModemOptions {
  /** Device name; also the default seed for the identity. */
  name?: string;
  /** Profile values; anything left out is derived from the name (or `profile.seed`). */
  profile?: ProfileInput;
  /** The modem's time: `systemClock`, or a `VirtualClock` to run hours in milliseconds. */
  clock: Clock;
  /** Randomness for everything but the identity (jitter, loss); seeded from the name by default. */
  random?: Random;
  /** The credential store (a file-backed one for a device with a state directory); in memory by default. */
  credentials?: CredentialStore;
}

/**
 * One simulated nRF9160 modem: its identity, state and AT command table. Code on the device sees it
 * through its {@link DeviceModem} face (AT channels, monitors, sockets); serial clients through
 * {@link AtSession}s on a transport; tests and the CLI steer it through `modem.control`.
 */
export class Modem extends TypedEmitter<ModemEvents> implements AtHost {
  readonly name: string;
  readonly profile: ModemProfile;
  readonly clock: Clock;
  readonly random: Random;
  readonly commands: CommandTable;
  readonly functionalMode: FunctionalModeState;
  /** Registered with an active default PDN: what sockets need. */
  readonly dataPath: DataPath;
  /** Registration, PDN, RRC and power saving. */
  readonly network: NetworkService;
  /** Live sensor readings (start from the profile; `control` changes them) and their thresholds. */
  readonly sensors: ModemSensors;
  /** Settings commands only store and read back (`%XCOEX0`, `%XMAGPIO`, `%XMODEMTRACE`). */
  readonly settings = new ModemSettings();
  /** Every notification subscription (`+CEREG=5`, `%XTEMP=1` …), modem-wide: seen by every session. */
  readonly subscriptions = new UrcSubscriptions();
  /** The UICC's files and logical channels, as `+CRSM` and `+CSIM` reach them. */
  readonly uicc: SimCard;
  private readonly rtc: ModemClock;
  private readonly urc: UrcReporter;
  readonly control: ModemControl;
  /** `%CMNG` items keyed by sec tag and type; `control.credentials` is its host-side face. */
  readonly credentials: CredentialStore;
  /** The radio link all of the device's sockets go through (`control` steers it). */
  readonly link: Link;
  /** The resolver table behind `getaddrinfo` and `AT#XGETADDRINFO`. */
  readonly dns: DnsResolver;
  /** The offloaded socket API (nrf_modem style) for code running on the device. */
  readonly sockets: ModemSockets;
  /** The estimate of the charge this modem used since it started (`control.energy()`). */
  readonly energy: EnergyMeter;
  private readonly sessions = new Set<AtSession>();
  private isClosed = false;

  constructor(options: ModemOptions) {
    super();
    this.name = options.name ?? 'nrf91-0';
    this.profile = buildProfile(this.name, options.profile);
    this.clock = options.clock;
    this.random = options.random ?? new Random(`modem:${this.name}`);
    this.commands = new CommandTable(defaultCommands());
    this.functionalMode = new FunctionalModeState(this.name);
    this.dataPath = new DataPath(this.name);
    this.rtc = new ModemClock(this.clock);
    this.network = new NetworkService(
      {
        owner: this.name,
        clock: this.clock,
        functionalMode: this.functionalMode,
        dataPath: this.dataPath,
        time: this.rtc,
      },
      this.profile.network,
    );
    this.sensors = new ModemSensors(this.profile.sensors);
    this.uicc = new SimCard(this.profile.identity);
    this.network.on('uicc', (ready) => {
      if (!ready) this.uicc.reset();
    });
    // nRF91 AT ref %XPOFWARN: when the warning fires the modem sets itself to offline mode.
    this.sensors.on('power-off-warning', () => this.functionalMode.apply(4, { lte: false, gnss: false }));
    this.urc = new UrcReporter({
      network: this.network,
      sensors: this.sensors,
      subscriptions: this.subscriptions,
      notify: (line) => this.notify(line),
    });
    this.credentials =
      options.credentials ??
      CredentialStore.inMemory({
        limits: this.profile.credentials,
        factory: this.profile.credentials.factory,
      });
    this.link = new Link(this.clock, this.random.fork('link'), this.profile.link, this.name);
    this.dns = new DnsResolver(this.profile.dns, this.dataPath, this.link);
    this.sockets = new ModemSockets(
      {
        owner: this.name,
        clock: this.clock,
        link: this.link,
        dataPath: this.dataPath,
        credentials: this.credentials,
        secureContexts: new SecureContextCache(this.credentials),
        sessions: new TlsSessionCache(),
        profile: this.profile.sockets,
      },
      this.dns,
    );
    this.energy = meterModem(this);
    this.control = new ModemControl(this);
  }

  get identity(): ModemIdentity {
    return this.profile.identity;
  }

  /** `%XSYSTEMMODE`: which radio access technologies `+CFUN=1` enables (DK default: LTE-M + GNSS). */
  get systemMode(): SystemMode {
    return this.network.systemMode;
  }

  set systemMode(mode: SystemMode) {
    this.network.systemMode = mode;
  }

  /** The time `+CCLK` reports, once network time or `AT+CCLK=` set it. */
  get time(): ModemTime | undefined {
    return this.rtc.time;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Serves the AT interface on `transport` until the transport or the modem closes. */
  attach(transport: Transport, options: AtSessionOptions = {}): AtSession {
    const session = new AtSession(this, transport, {
      maxLineLength: this.profile.at.maxLineLength,
      quoteTimeoutMs: this.profile.at.quoteTimeoutMs,
      ...options,
    });
    this.sessions.add(session);
    transport.once('close', () => this.sessions.delete(session));
    return session;
  }

  /** A new in-process AT channel (its own `+CMEE` setting), like `nrf_modem_at_cmd()`. */
  channel(): AtChannel {
    return new AtChannel(this);
  }

  /**
   * An ICMP echo over the default bearer (a raw socket, as the SLM's `#XPING` sends it): resolves
   * with the round trip in ms, or undefined without a reply within `timeoutMs`.
   */
  icmpEcho(family: 1 | 2, payloadBytes: number, timeoutMs: number): Promise<number | undefined> {
    return icmpEcho(this, family, payloadBytes, timeoutMs);
  }

  /** Adds an application's commands to the table; the returned function puts back what was there. */
  registerCommands(commands: readonly AtCommand[]): () => void {
    const previous = commands.map((c) => [c, this.commands.get(c.name)] as const);
    for (const c of commands) this.commands.register(c);
    return () => {
      for (const [c, before] of previous) {
        if (this.commands.get(c.name) !== c) continue;
        if (before) this.commands.register(before);
        else this.commands.unregister(c.name);
      }
    };
  }

  /** Subscribes to notifications containing `filter` (all when undefined), like NCS `AT_MONITOR`. */
  monitor(filter: string | undefined, handler: AtNotificationHandler): AtMonitor {
    return new AtMonitor(this, filter, handler);
  }

  /** Emits a notification to every session and monitor. */
  notify(line: string): void {
    if (this.isClosed) return;
    trace('at', { device: this.name, direction: 'urc', line });
    this.emit('urc', line);
  }

  /** The modem's current time, or undefined before network time or `AT+CCLK=` set it. */
  now(): { epochMs: number; timezoneQuarters: number } | undefined {
    return this.rtc.now();
  }

  setTime(epochMs: number, timezoneQuarters: number): void {
    this.rtc.set(epochMs, timezoneQuarters);
  }

  reportSignalQuality(): void {
    this.urc.reportSignalQuality();
  }

  reportInternalError(command: string, error: unknown): void {
    trace('at', { device: this.name, direction: 'internal-error', line: `${command}: ${String(error)}` });
    this.emit('internal-error', command, error);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.energy.stop();
    this.sockets.shutdown();
    this.network.dispose();
    this.dataPath.setDown('power');
    for (const session of this.sessions) session.detach();
    this.sessions.clear();
    this.emit('close');
  }
}
