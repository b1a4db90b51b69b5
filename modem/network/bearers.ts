import { ErrorCode, SimError } from '../../core/errors.js';
import type { DataPath, DataPathDownReason } from './data-path.js';
import type { Initiator, PdnEvent } from './events.js';
import { PdnTable, secondaryAddress, type PdnContext, type PdpType } from './pdn.js';
import type { RadioProfile } from './radio.js';

/**
 * The PDN connections of a registered modem: the default bearer (cid 0) the network sets up on
 * attach, secondary ones `+CGACT` activates, and the data path sockets use. Every change is
 * reported as a {@link PdnEvent} (the AT layer prints them as `+CGEV`).
 */
export class Bearers {
  readonly table: PdnTable;

  constructor(
    private readonly radio: RadioProfile,
    private readonly dataPath: DataPath,
    private readonly report: (event: PdnEvent) => void,
  ) {
    this.table = new PdnTable(radio.apn);
  }

  get defaultActive(): boolean {
    return this.table.get(0)?.active === true;
  }

  /** `+CGDCONT=<cid>,"<type>","<apn>"`; an active context cannot be changed (PDN_CONTEXT_ACTIVE). */
  define(cid: number, type: PdpType, apn: string): void {
    this.table.define(cid, type, apn);
  }

  /** `+CGDCONT=<cid>`: cid 0 goes back to the network default. */
  undefine(cid: number): void {
    this.table.undefine(cid, this.radio.apn);
  }

  /** The network sets up the default bearer after attach: data path up. */
  activateDefault(): void {
    const ctx = this.table.activate(0, { ipv4: this.radio.ipv4, ipv6: this.radio.ipv6 });
    this.report({ kind: 'activated', cid: 0 });
    if (ctx.ipv6) this.report({ kind: 'ipv6-up', cid: 0 });
    this.dataPath.setUp({
      ...(ctx.ipv4 ? { ipv4: ctx.ipv4 } : {}),
      ...(ctx.ipv6 ? { ipv6: ctx.ipv6 } : {}),
    });
  }

  /** The network deactivates the default bearer; the data path goes down until it comes back. */
  dropDefault(): void {
    this.table.deactivate(0);
    this.report({ kind: 'deactivated', cid: 0, by: 'network' });
    this.dataPath.setDown('pdn');
  }

  /**
   * `+CGACT=1,<cid>` on a registered modem with the default bearer up. cid 0 belongs to the network
   * (PDN_CONTEXT_RESERVED); an undefined cid is PDN_CONTEXT_UNDEFINED.
   */
  activate(cid: number, registered: boolean): void {
    const ctx = this.secondary(cid);
    if (!registered || !this.defaultActive) {
      throw new SimError(ErrorCode.NETWORK_NO_SERVICE, `cannot activate PDP context ${cid} without service`);
    }
    if (ctx.active) return;
    this.table.activate(cid, { ipv4: secondaryAddress(this.radio.ipv4, cid), ipv6: this.radio.ipv6 });
    this.report({ kind: 'activated', cid });
  }

  /** `+CGACT=0,<cid>`. */
  deactivate(cid: number): void {
    this.secondary(cid);
    if (this.table.deactivate(cid)) this.report({ kind: 'deactivated', cid, by: 'me' });
  }

  /** Detach: every bearer goes down at once, reported as one ME or NW DETACH. */
  dropAll(by: Initiator, reason: DataPathDownReason): void {
    this.table.deactivateAll();
    this.report({ kind: 'detached', by });
    this.dataPath.setDown(reason);
  }

  /** Factory values (LTE off, nothing active): only the default context, on the network's APN. */
  reset(): void {
    for (const c of this.table.list()) this.table.undefine(c.cid, this.radio.apn);
  }

  list(): PdnContext[] {
    return this.table.list();
  }

  get(cid: number): PdnContext | undefined {
    return this.table.get(cid);
  }

  private secondary(cid: number): PdnContext {
    if (cid === 0) {
      throw new SimError(
        ErrorCode.PDN_CONTEXT_RESERVED,
        'the initial PDN connection (cid 0) belongs to the network',
      );
    }
    const ctx = this.table.get(cid);
    if (!ctx) throw new SimError(ErrorCode.PDN_CONTEXT_UNDEFINED, `PDP context ${cid} is not defined`);
    return ctx;
  }
}
