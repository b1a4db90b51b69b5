import type { DeviceModem } from '../../../modem/device-modem.js';

/**
 * The SLM's `util_get_ip_addr()`: the local addresses of PDN `cid` as `AT+CGPADDR=<cid>` reports
 * them (`+CGPADDR: 0,"10.160.1.74","2001:db8::1"`); none while the PDN is inactive.
 */
export async function pdnAddresses(
  modem: DeviceModem,
  cid: number,
): Promise<{ ipv4: string | undefined; ipv6: string | undefined }> {
  const response = await modem.channel().send(`AT+CGPADDR=${cid}`);
  const addresses = response.ok ? [...(response.lines[0] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1]) : [];
  return {
    ipv4: addresses.find((a) => a !== undefined && !a.includes(':')),
    ipv6: addresses.find((a) => a !== undefined && a.includes(':')),
  };
}
