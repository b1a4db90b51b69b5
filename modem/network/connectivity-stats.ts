/** The IPv4 MTU caps a packet: a larger chunk of socket data leaves the modem as several. */
const MAX_PACKET = 1500;

/** What `%XCONNSTAT?` reports. */
export interface ConnectivityReport {
  smsTx: number;
  smsRx: number;
  /** Kilobytes sent and received during the collection period. */
  dataTxKb: number;
  dataRxKb: number;
  /** Largest and mean packet size in bytes. */
  packetMax: number;
  packetAverage: number;
}

/**
 * `%XCONNSTAT`: IP traffic counters between `AT%XCONNSTAT=1` (start, from zero) and `=0` (stop, keeping
 * the figures), fed by every socket's traffic through the data path.
 */
export class ConnectivityStatistics {
  private running = false;
  private txBytes = 0;
  private rxBytes = 0;
  private packets = 0;
  private packetBytes = 0;
  private largest = 0;

  get collecting(): boolean {
    return this.running;
  }

  start(): void {
    this.running = true;
    this.txBytes = this.rxBytes = this.packets = this.packetBytes = this.largest = 0;
  }

  stop(): void {
    this.running = false;
  }

  count(direction: 'up' | 'down', bytes: number): void {
    if (!this.running || bytes <= 0) return;
    if (direction === 'up') this.txBytes += bytes;
    else this.rxBytes += bytes;
    const full = Math.floor(bytes / MAX_PACKET);
    const rest = bytes % MAX_PACKET;
    this.packets += full + (rest > 0 ? 1 : 0);
    this.packetBytes += bytes;
    this.largest = Math.max(this.largest, Math.min(bytes, MAX_PACKET));
  }

  report(): ConnectivityReport {
    return {
      smsTx: 0,
      smsRx: 0,
      dataTxKb: Math.floor(this.txBytes / 1024),
      dataRxKb: Math.floor(this.rxBytes / 1024),
      packetMax: this.largest,
      packetAverage: this.packets === 0 ? 0 : Math.round(this.packetBytes / this.packets),
    };
  }
}
