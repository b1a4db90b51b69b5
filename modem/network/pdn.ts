import { ErrorCode, SimError } from '../../core/errors.js';

export type PdpType = 'IP' | 'IPV6' | 'IPV4V6' | 'Non-IP';
export const PDP_TYPES: readonly PdpType[] = ['IP', 'IPV6', 'IPV4V6', 'Non-IP'];

/** A PDP context defined with `+CGDCONT` (cid 0 is the default bearer the network sets up on attach). */
export interface PdnContext {
  cid: number;
  type: PdpType;
  apn: string;
  active: boolean;
  ipv4: string | undefined;
  ipv6: string | undefined;
}

export const MAX_CID = 10;

/** The modem's PDP contexts (nRF91 AT ref `+CGDCONT`, `+CGACT`, `+CGPADDR`). */
export class PdnTable {
  private readonly contexts = new Map<number, PdnContext>();

  constructor(defaultApn: string) {
    this.define(0, 'IPV4V6', defaultApn);
  }

  get(cid: number): PdnContext | undefined {
    return this.contexts.get(cid);
  }

  list(): PdnContext[] {
    return [...this.contexts.values()].sort((a, b) => a.cid - b.cid);
  }

  /** `+CGDCONT=<cid>,"<type>","<apn>"`: define or redefine; an active context cannot be changed. */
  define(cid: number, type: PdpType, apn: string): void {
    const existing = this.contexts.get(cid);
    if (existing?.active) throw activeError(cid);
    this.contexts.set(cid, { cid, type, apn, active: false, ipv4: undefined, ipv6: undefined });
  }

  /** `+CGDCONT=<cid>`: remove a definition (cid 0 is reset to the network default, not removed). */
  undefine(cid: number, defaultApn: string): void {
    const existing = this.contexts.get(cid);
    if (existing?.active) throw activeError(cid);
    if (cid === 0) this.define(0, 'IPV4V6', defaultApn);
    else this.contexts.delete(cid);
  }

  activate(cid: number, address: { ipv4: string | undefined; ipv6: string | undefined }): PdnContext {
    const ctx = this.contexts.get(cid);
    if (!ctx) throw new SimError(ErrorCode.PDN_CONTEXT_UNDEFINED, `PDP context ${cid} is not defined`);
    ctx.active = true;
    ctx.ipv4 = ctx.type === 'IPV6' || ctx.type === 'Non-IP' ? undefined : address.ipv4;
    ctx.ipv6 = ctx.type === 'IP' || ctx.type === 'Non-IP' ? undefined : address.ipv6;
    return ctx;
  }

  deactivate(cid: number): boolean {
    const ctx = this.contexts.get(cid);
    if (!ctx?.active) return false;
    ctx.active = false;
    ctx.ipv4 = undefined;
    ctx.ipv6 = undefined;
    return true;
  }

  /** Every context goes down (detach); returns the cids that were active. */
  deactivateAll(): number[] {
    const was = this.list()
      .filter((c) => c.active)
      .map((c) => c.cid);
    for (const cid of was) this.deactivate(cid);
    return was;
  }
}

function activeError(cid: number): SimError {
  return new SimError(ErrorCode.PDN_CONTEXT_ACTIVE, `PDP context ${cid} is active and cannot be changed`);
}

/** The address a secondary context gets: the default bearer's with the last octet moved on by cid. */
export function secondaryAddress(ipv4: string, cid: number): string {
  const parts = ipv4.split('.').map(Number);
  parts[3] = (((parts[3] ?? 0) + cid) % 254) + 1;
  return parts.join('.');
}
