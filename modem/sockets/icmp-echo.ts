import type { Clock } from '../../core/clock.js';
import type { Link } from '../../core/link.js';
import type { DataPath } from '../network/data-path.js';

/** IPv4 header (20) or IPv6 header (40), plus the ICMP echo header (8). */
const HEADER_BYTES = { 1: 28, 2: 48 } as const;

export interface IcmpEchoEnvironment {
  clock: Clock;
  link: Link;
  dataPath: DataPath;
}

/**
 * One ICMP echo request over the default bearer (what a raw `AF_PACKET` socket carries for the SLM's
 * `#XPING`): the request and the reply cross the device's radio link, with its latency, bandwidth,
 * loss and partitions. Every destination answers. Resolves with the round trip in whole ms (at
 * least 1, as a real reply never comes back in no time), or undefined when no reply came within
 * `timeoutMs` (data path down, a lost datagram, a partitioned link).
 */
export function icmpEcho(
  env: IcmpEchoEnvironment,
  family: 1 | 2,
  payloadBytes: number,
  timeoutMs: number,
): Promise<number | undefined> {
  if (!env.dataPath.up || timeoutMs <= 0) return Promise.resolve(undefined);
  const size = HEADER_BYTES[family] + payloadBytes;
  const started = env.clock.monotonic();
  const flow = env.link.flow('datagram');
  env.dataPath.notifyActivity();
  return new Promise((resolve) => {
    let finished = false;
    const finish = (rtt: number | undefined): void => {
      if (finished) return;
      finished = true;
      timer.cancel();
      flow.close();
      resolve(rtt);
    };
    const timer = env.clock.setTimeout(() => finish(undefined), timeoutMs);
    flow.send('up', size, () =>
      flow.send('down', size, () => {
        const rtt = Math.max(1, Math.ceil(env.clock.monotonic() - started));
        finish(rtt <= timeoutMs && env.dataPath.up ? rtt : undefined);
      }),
    );
  });
}
