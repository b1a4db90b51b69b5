import { promises as dnsPromises } from 'node:dns';
import net from 'node:net';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { Link } from '../../core/link.js';
import type { DataPath } from '../network/data-path.js';
import { AF_INET, AF_INET6, AF_UNSPEC, type AddressFamily, type SockAddr } from './constants.js';

/** getaddrinfo failures, Zephyr `DNS_EAI_*` (include/zephyr/net/dns_resolve.h). */
export const DnsEai = {
  DNS_EAI_BADFLAGS: -1,
  DNS_EAI_NONAME: -2,
  DNS_EAI_AGAIN: -3,
  DNS_EAI_FAIL: -4,
  DNS_EAI_NODATA: -5,
  DNS_EAI_FAMILY: -6,
  DNS_EAI_SOCKTYPE: -7,
  DNS_EAI_SERVICE: -8,
  DNS_EAI_ADDRFAMILY: -9,
  DNS_EAI_MEMORY: -10,
  DNS_EAI_SYSTEM: -11,
  DNS_EAI_OVERFLOW: -12,
} as const;

export type DnsEaiCode = (typeof DnsEai)[keyof typeof DnsEai];

/** `zsock_gai_strerror()`: the code's name without `DNS_` (`EAI_NONAME`), or `EAI_UNKNOWN`. */
export function gaiStrerror(code: number): string {
  const entry = Object.entries(DnsEai).find(([, v]) => v === code);
  return entry ? entry[0].slice('DNS_'.length) : 'EAI_UNKNOWN';
}

/** A failed `getaddrinfo`: `code` is the negative `DNS_EAI_*` value the C call returns. */
export class DnsError extends Error {
  constructor(
    readonly code: DnsEaiCode,
    detail?: string,
  ) {
    super(detail ? `${gaiStrerror(code)}: ${detail}` : gaiStrerror(code));
    this.name = 'DnsError';
  }
}

/** The resolver's table: a name (or `*.suffix`) maps to one or more numeric addresses. */
export interface DnsProfile {
  table: Record<string, string | readonly string[]>;
  /** Names missing from the table are looked up with the host's resolver instead of failing. */
  realDns: boolean;
}

/**
 * The default table: loopback for the names the simulator's own stand-ins answer (AWS IoT and S3
 * endpoints, nRF Cloud) so devices reach local fixtures without configuration.
 */
export const DEFAULT_DNS: DnsProfile = {
  table: {
    localhost: ['127.0.0.1', '::1'],
    '*.amazonaws.com': '127.0.0.1',
    'mqtt.nrfcloud.com': '127.0.0.1',
    '*.nrfcloud.com': '127.0.0.1',
  },
  realDns: false,
};

export interface AddrInfoHints {
  family?: typeof AF_UNSPEC | AddressFamily;
  socktype?: number;
  protocol?: number;
}

export interface AddrInfo {
  family: AddressFamily;
  socktype: number;
  protocol: number;
  addr: SockAddr;
}

function familyOf(address: string): AddressFamily | undefined {
  const v = net.isIP(address);
  return v === 4 ? AF_INET : v === 6 ? AF_INET6 : undefined;
}

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * The modem's name resolver. Lookups need the data path (the modem asks the network's DNS server)
 * and take a round trip on the link; numeric addresses resolve locally. It answers every address
 * of the family asked for, in table order (a broker cluster's endpoint has one A record per node,
 * and a client tries them in turn); with AF_UNSPEC the IPv6 ones when there are any, else the IPv4
 * ones, as `nrf_getaddrinfo` prefers IPv6.
 */
export class DnsResolver {
  private readonly table = new Map<string, string[]>();
  realDns: boolean;

  constructor(
    profile: DnsProfile,
    private readonly dataPath: DataPath,
    private readonly link?: Link,
  ) {
    for (const [name, addresses] of Object.entries(profile.table)) this.set(name, addresses);
    this.realDns = profile.realDns;
  }

  /** Adds or replaces a name; INVALID_ARGUMENT when an address is not a numeric IPv4/IPv6 address. */
  set(name: string, addresses: string | readonly string[]): void {
    const list = typeof addresses === 'string' ? [addresses] : [...addresses];
    if (list.length === 0 || !/^(\*\.)?[A-Za-z0-9_.-]{1,253}$/.test(name.trim())) {
      throw new SimError(
        ErrorCode.INVALID_ARGUMENT,
        `DNS entry ${JSON.stringify(name)}: a host name and addresses`,
      );
    }
    for (const a of list) {
      if (!familyOf(a)) throw new SimError(ErrorCode.INVALID_ARGUMENT, `${a} is not a numeric IP address`);
    }
    this.table.set(normalise(name), list);
  }

  delete(name: string): boolean {
    return this.table.delete(normalise(name));
  }

  entries(): Array<[string, string[]]> {
    return [...this.table.entries()].map(([k, v]) => [k, [...v]]);
  }

  async getaddrinfo(node: string, service?: string, hints: AddrInfoHints = {}): Promise<AddrInfo[]> {
    const family = hints.family ?? AF_UNSPEC;
    if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) {
      throw new DnsError(DnsEai.DNS_EAI_FAMILY);
    }
    let port = 0;
    if (service !== undefined && service !== '') {
      if (!/^\d{1,5}$/.test(service) || Number(service) > 65535) throw new DnsError(DnsEai.DNS_EAI_SERVICE);
      port = Number(service);
    }
    const numeric = familyOf(node);
    let candidates: string[];
    if (numeric !== undefined) {
      if (family !== AF_UNSPEC && family !== numeric) throw new DnsError(DnsEai.DNS_EAI_ADDRFAMILY, node);
      candidates = [node];
    } else {
      if (!/^[A-Za-z0-9_.-]{1,253}$/.test(node)) throw new DnsError(DnsEai.DNS_EAI_NONAME, node);
      if (!this.dataPath.up) throw new DnsError(DnsEai.DNS_EAI_AGAIN, 'no network');
      await this.roundTrip();
      if (!this.dataPath.up) throw new DnsError(DnsEai.DNS_EAI_AGAIN, 'network lost');
      candidates = this.lookupTable(node) ?? (this.realDns ? await this.lookupReal(node) : []);
      if (candidates.length === 0) throw new DnsError(DnsEai.DNS_EAI_NONAME, node);
    }
    const chosen = pick(candidates, family);
    if (chosen.length === 0) throw new DnsError(DnsEai.DNS_EAI_NODATA, node);
    return chosen.map((address) => {
      const f = familyOf(address) as AddressFamily;
      return {
        family: f,
        socktype: hints.socktype ?? 0,
        protocol: hints.protocol ?? 0,
        addr: { family: f, address, port },
      };
    });
  }

  /** Kept for API parity with C: results are plain objects, nothing to free. */
  freeaddrinfo(_res: readonly AddrInfo[]): void {}

  private lookupTable(node: string): string[] | undefined {
    const name = normalise(node);
    const exact = this.table.get(name);
    if (exact) return exact;
    let best: { suffix: string; addresses: string[] } | undefined;
    for (const [key, addresses] of this.table) {
      if (!key.startsWith('*.')) continue;
      const suffix = key.slice(1);
      if (
        name.endsWith(suffix) &&
        name.length > suffix.length &&
        (!best || suffix.length > best.suffix.length)
      ) {
        best = { suffix, addresses };
      }
    }
    return best?.addresses;
  }

  private async lookupReal(node: string): Promise<string[]> {
    try {
      const results = await dnsPromises.lookup(node, { all: true });
      return results.map((r) => r.address);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return [];
      throw new DnsError(DnsEai.DNS_EAI_FAIL, String(code));
    }
  }

  private async roundTrip(): Promise<void> {
    if (!this.link || this.link.ideal) return;
    const flow = this.link.flow('datagram');
    const abort = new AbortController();
    // A lost query or a partition: the modem's resolver gives up, as with no answer.
    const timeout = this.link.clock.sleep(DNS_TIMEOUT_MS, abort.signal).then(
      () => {
        throw new DnsError(DnsEai.DNS_EAI_AGAIN, 'no answer from the DNS server');
      },
      () => undefined,
    );
    try {
      await Promise.race([flow.exchange(1, 64, 128), timeout]);
    } finally {
      abort.abort();
      flow.close();
    }
  }
}

/** How long a lookup waits for the network's DNS server. */
const DNS_TIMEOUT_MS = 10_000;

function pick(candidates: string[], family: number): string[] {
  const of = (f: AddressFamily): string[] => candidates.filter((a) => familyOf(a) === f);
  if (family === AF_INET) return of(AF_INET);
  if (family === AF_INET6) return of(AF_INET6);
  const v6 = of(AF_INET6);
  return v6.length ? v6 : of(AF_INET);
}
