import type { Clock, TimerHandle } from './clock.js';
import { ErrorCode, SimError } from './errors.js';
import { TypedEmitter } from './events.js';
import type { Random } from './random.js';
import { trace } from './trace.js';

/** `up`: device to network; `down`: network to device. */
export type LinkDirection = 'up' | 'down';

export type LinkPresetName = 'ideal' | 'lte-m' | 'nb-iot';

/**
 * What the radio link between one device and the internet does to its traffic. Figures are per
 * device: every socket of the device shares the bandwidth, as they share one radio.
 */
export interface LinkProfile {
  readonly name: string;
  /** One-way delay added to every packet, in ms. */
  readonly latencyMs: number;
  /** Extra one-way delay, uniform in [0, jitterMs], drawn per packet. */
  readonly jitterMs: number;
  /** Device to network rate in bits per second (Infinity: no limit). */
  readonly uplinkBps: number;
  /** Network to device rate in bits per second (Infinity: no limit). */
  readonly downlinkBps: number;
  /** Chance that a packet is lost on the air: a datagram is dropped, a stream segment is sent again. */
  readonly loss: number;
  /** Lifetime of an idle TCP NAT mapping in ms (0: never expires). */
  readonly natTcpIdleMs: number;
  /** Lifetime of an idle UDP NAT mapping in ms (0: never expires). */
  readonly natUdpIdleMs: number;
}

const NO_LIMIT = Number.POSITIVE_INFINITY;

/**
 * Presets. Rates are the Release 13 category peaks that an nRF9160-class, half-duplex device can
 * sustain: Cat-M1 ≈ 300 kbit/s down / 375 kbit/s up, Cat-NB1 ≈ 26 kbit/s down / 62 kbit/s up
 * (3GPP TS 36.306 transport block sizes with HD-FDD scheduling; the NB1 figures and the latency
 * ranges below are also the ones tabulated at blog.mbedded.ninja "Cellular Communication
 * Protocols"). Latency: LTE-M has a 10–15 ms air interface and 50–100 ms one-way to an internet
 * server in practice (Arduino "Cat M1 and NB IoT" guide); NB-IoT is specified for 1.6–10 s
 * (3GPP TR 45.820). Loss is the residual IP-level loss after HARQ and RLC retransmissions, an
 * assumption. NAT lifetimes: RFC 4787 puts the UDP floor at 2 min; carrier-grade NATs drop idle TCP
 * far earlier than RFC 5382's 2 h 4 min, 15 min being a common figure. docs/sockets.md has the table.
 */
export const LINK_PRESETS: Readonly<Record<LinkPresetName, LinkProfile>> = {
  ideal: {
    name: 'ideal',
    latencyMs: 0,
    jitterMs: 0,
    uplinkBps: NO_LIMIT,
    downlinkBps: NO_LIMIT,
    loss: 0,
    natTcpIdleMs: 0,
    natUdpIdleMs: 0,
  },
  'lte-m': {
    name: 'lte-m',
    latencyMs: 50,
    jitterMs: 20,
    uplinkBps: 375_000,
    downlinkBps: 300_000,
    loss: 0.001,
    natTcpIdleMs: 15 * 60_000,
    natUdpIdleMs: 2 * 60_000,
  },
  'nb-iot': {
    name: 'nb-iot',
    latencyMs: 800,
    jitterMs: 600,
    uplinkBps: 62_500,
    downlinkBps: 26_000,
    loss: 0.005,
    natTcpIdleMs: 15 * 60_000,
    natUdpIdleMs: 2 * 60_000,
  },
};

export const LINK_PRESET_NAMES = Object.keys(LINK_PRESETS) as LinkPresetName[];

export function isLinkPresetName(name: string): name is LinkPresetName {
  return (LINK_PRESET_NAMES as string[]).includes(name);
}

/** Stream segment size used to count losses: a TCP MSS over a 1500-byte MTU. */
const SEGMENT_BYTES = 1460;
/** RFC 6298 §2.4: the retransmission timeout is never below 1 s. */
const MIN_RTO_MS = 1000;

export type LinkEvents = {
  change: [profile: LinkProfile];
  partition: [];
  heal: [];
};

interface HeldSend {
  flow: LinkFlow;
  direction: LinkDirection;
  size: number;
  deliver: () => void;
}

/**
 * The radio link of one device, on the device's {@link Clock}. Traffic enters as flows (one per
 * socket): each chunk is delayed by serialization at the link rate (shared by every flow in that
 * direction), latency, jitter and, for streams, retransmissions of lost segments; stream chunks
 * arrive in order, datagrams may be lost. A partition holds stream traffic until {@link heal} and
 * drops datagrams. The ideal profile is a pass-through: chunks are delivered synchronously.
 * Randomness comes from the injected {@link Random}, so a seed reproduces a run.
 */
export class Link extends TypedEmitter<LinkEvents> {
  private current: LinkProfile;
  private isPartitioned = false;
  private readonly busyUntil: Record<LinkDirection, number> = { up: 0, down: 0 };
  private held: HeldSend[] = [];

  constructor(
    readonly clock: Clock,
    private readonly random: Random,
    profile: LinkProfile | LinkPresetName = 'ideal',
    private readonly owner = '',
  ) {
    super();
    this.current = resolveProfile(profile);
  }

  get profile(): LinkProfile {
    return this.current;
  }

  get partitioned(): boolean {
    return this.isPartitioned;
  }

  /** True when traffic passes untouched: the ideal profile and no partition. */
  get ideal(): boolean {
    const p = this.current;
    return (
      !this.isPartitioned &&
      p.latencyMs === 0 &&
      p.jitterMs === 0 &&
      p.loss === 0 &&
      p.uplinkBps === NO_LIMIT &&
      p.downlinkBps === NO_LIMIT
    );
  }

  /** Applies a new profile; traffic already scheduled keeps its arrival time. */
  setProfile(profile: LinkProfile | LinkPresetName): void {
    this.current = resolveProfile(profile);
    trace('state', { device: this.owner, machine: 'link', from: '', to: this.current.name });
    this.emit('change', this.current);
  }

  /** The radio goes silent (coverage gap without losing the PDN): streams stall, datagrams are lost. */
  partition(): void {
    if (this.isPartitioned) return;
    this.isPartitioned = true;
    trace('state', { device: this.owner, machine: 'link', from: 'up', to: 'partitioned' });
    this.emit('partition');
  }

  /** Ends a partition: held stream traffic is sent, in order. */
  heal(): void {
    if (!this.isPartitioned) return;
    this.isPartitioned = false;
    trace('state', { device: this.owner, machine: 'link', from: 'partitioned', to: 'up' });
    const held = this.held;
    this.held = [];
    for (const h of held) if (!h.flow.closed) h.flow.send(h.direction, h.size, h.deliver);
    this.emit('heal');
  }

  /** A new flow: `stream` for TCP/TLS (ordered, lossless), `datagram` for UDP. */
  flow(kind: 'stream' | 'datagram', onNatExpired?: () => void): LinkFlow {
    return new LinkFlow(this, kind, onNatExpired);
  }

  /** @internal Arrival time of `size` bytes sent now, or undefined when the datagram is lost. */
  schedule(direction: LinkDirection, size: number, kind: 'stream' | 'datagram'): number | undefined {
    const p = this.current;
    const now = this.clock.monotonic();
    const bps = direction === 'up' ? p.uplinkBps : p.downlinkBps;
    const start = Math.max(now, this.busyUntil[direction]);
    const serialization = bps === NO_LIMIT ? 0 : (size * 8000) / bps;
    this.busyUntil[direction] = start + serialization;
    let arrival = this.busyUntil[direction] + p.latencyMs;
    if (p.jitterMs > 0) arrival += this.random.next() * p.jitterMs;
    if (p.loss > 0) {
      if (kind === 'datagram') {
        if (this.random.chance(p.loss)) return undefined;
      } else {
        const rto = Math.max(MIN_RTO_MS, 4 * p.latencyMs);
        const segments = Math.max(1, Math.ceil(size / SEGMENT_BYTES));
        for (let i = 0; i < segments; i++) while (this.random.chance(p.loss)) arrival += rto;
      }
    }
    return arrival;
  }

  /** @internal */
  hold(send: HeldSend): void {
    this.held.push(send);
  }
}

/**
 * One socket's traffic on a {@link Link}. Stream flows deliver in order; datagram flows may lose
 * packets. With a NAT lifetime in the profile, a flow that carries nothing for that long expires
 * and calls `onNatExpired`.
 */
export class LinkFlow {
  private readonly lastArrival: Record<LinkDirection, number> = { up: 0, down: 0 };
  private readonly inFlight: Record<LinkDirection, number> = { up: 0, down: 0 };
  /**
   * A stream's chunks in flight, oldest first. Timers due within the same millisecond need not
   * fire in the order they were set, so a stream delivers from this queue, never from a timer alone.
   */
  private readonly pending: Record<LinkDirection, Array<{ deliver: () => void; delivered: boolean }>> = {
    up: [],
    down: [],
  };
  private readonly timers = new Set<TimerHandle>();
  private lastActivity: number;
  private natTimer: TimerHandle | undefined;
  private isClosed = false;

  constructor(
    private readonly link: Link,
    readonly kind: 'stream' | 'datagram',
    private readonly onNatExpired?: () => void,
  ) {
    this.lastActivity = link.clock.monotonic();
    this.armNat();
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * True when a chunk sent now in `direction` would be delivered at once (ideal link, nothing in
   * flight): the caller may then skip {@link send} and its callback. Counts as traffic.
   */
  passThrough(direction: LinkDirection): boolean {
    if (this.isClosed || !this.link.ideal || this.inFlight[direction] !== 0) return false;
    this.touch();
    return true;
  }

  /** Carries `size` bytes in `direction` and calls `deliver` when they arrive (never, if lost). */
  send(direction: LinkDirection, size: number, deliver: () => void): void {
    if (this.isClosed) return;
    this.touch();
    const link = this.link;
    if (link.ideal && this.inFlight[direction] === 0) {
      deliver();
      return;
    }
    if (link.partitioned) {
      if (this.kind === 'stream') link.hold({ flow: this, direction, size, deliver });
      return;
    }
    let arrival = link.schedule(direction, size, this.kind);
    if (arrival === undefined) return;
    this.inFlight[direction]++;
    const delay = (due: number): number => Math.max(0, due - link.clock.monotonic());
    if (this.kind === 'stream') {
      arrival = Math.max(arrival, this.lastArrival[direction]);
      this.lastArrival[direction] = arrival;
      const entry = { deliver, delivered: false };
      this.pending[direction].push(entry);
      // This chunk's time has come, so has every chunk sent before it: deliver them in order.
      const timer = link.clock.setTimeout(() => {
        this.timers.delete(timer);
        if (!entry.delivered) this.deliverThrough(direction, entry);
      }, delay(arrival));
      this.timers.add(timer);
      return;
    }
    const timer = link.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.inFlight[direction]--;
      if (!this.isClosed) deliver();
    }, delay(arrival));
    this.timers.add(timer);
  }

  private deliverThrough(direction: LinkDirection, last: { deliver: () => void; delivered: boolean }): void {
    const queue = this.pending[direction];
    for (;;) {
      const head = queue.shift();
      if (!head) return;
      head.delivered = true;
      this.inFlight[direction]--;
      if (!this.isClosed) head.deliver();
      if (head === last) return;
    }
  }

  /**
   * Resolves after `roundTrips` exchanges of `bytesUp`/`bytesDown` (split evenly) cross the link:
   * how long a TCP connect or a TLS handshake takes on it. At once on the ideal link.
   */
  exchange(roundTrips: number, bytesUp: number, bytesDown: number): Promise<void> {
    if (this.link.ideal || roundTrips <= 0) return Promise.resolve();
    const up = Math.ceil(bytesUp / roundTrips);
    const down = Math.ceil(bytesDown / roundTrips);
    return new Promise((resolve) => {
      const step = (left: number): void => {
        if (left === 0) return resolve();
        this.send('up', up, () => this.send('down', down, () => step(left - 1)));
      };
      step(roundTrips);
    });
  }

  /** Marks traffic that bypasses {@link send} (keeps the NAT mapping alive). */
  touch(): void {
    if (this.natLifetime() <= 0) return;
    this.lastActivity = this.link.clock.monotonic();
    if (!this.natTimer) this.armNat();
  }

  /** Drops everything in flight and stops the NAT timer. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    this.pending.up.length = 0;
    this.pending.down.length = 0;
    this.natTimer?.cancel();
    this.natTimer = undefined;
  }

  private natLifetime(): number {
    const p = this.link.profile;
    return this.kind === 'stream' ? p.natTcpIdleMs : p.natUdpIdleMs;
  }

  // One timer per flow, re-armed lazily: traffic only moves `lastActivity`.
  private armNat(): void {
    const lifetime = this.natLifetime();
    if (lifetime <= 0 || !this.onNatExpired || this.isClosed) return;
    const due = this.lastActivity + lifetime - this.link.clock.monotonic();
    this.natTimer = this.link.clock.setTimeout(
      () => {
        this.natTimer = undefined;
        if (this.isClosed) return;
        const current = this.natLifetime();
        if (current <= 0) return;
        if (this.link.clock.monotonic() - this.lastActivity >= current) this.onNatExpired?.();
        else this.armNat();
      },
      Math.max(0, due),
    );
    this.natTimer.unref();
  }
}

/** A preset by name, or validated figures; INVALID_ARGUMENT for an unknown name or a bad figure. */
function resolveProfile(profile: LinkProfile | LinkPresetName): LinkProfile {
  if (typeof profile === 'string') {
    if (!isLinkPresetName(profile)) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `link preset ${profile}: expected ${LINK_PRESET_NAMES.join(', ')}`,
      );
    }
    return LINK_PRESETS[profile];
  }
  const nonNegative = ['latencyMs', 'jitterMs', 'natTcpIdleMs', 'natUdpIdleMs'] as const;
  for (const key of nonNegative) {
    if (!(Number.isFinite(profile[key]) && profile[key] >= 0)) {
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `link ${key} must be a number ≥ 0`);
    }
  }
  for (const key of ['uplinkBps', 'downlinkBps'] as const) {
    if (!(profile[key] > 0))
      throw new SimError(ErrorCode.INVALID_ARGUMENT, `link ${key} must be > 0 (Infinity: no limit)`);
  }
  if (!(profile.loss >= 0 && profile.loss < 1)) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, 'link loss must be in [0, 1)');
  }
  return { ...profile };
}
