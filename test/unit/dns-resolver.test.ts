import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../core/clock.js';
import { Modem } from '../../modem/modem.js';
import { AF_INET, AF_INET6, DnsEai, DnsError, gaiStrerror } from '../../modem/sockets/index.js';
import { untilRegistered } from '../helpers/registered.js';

async function online(profile: Partial<ConstructorParameters<typeof Modem>[0]> = {}): Promise<Modem> {
  const modem = new Modem({ name: 'dns', clock: new VirtualClock(), ...profile });
  await modem.channel().command('AT+CFUN=1');
  await untilRegistered(modem);
  return modem;
}

async function eai(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DnsError) return err.code;
    throw err;
  }
  throw new Error('resolved');
}

describe('modem DNS resolver', () => {
  it('answers from the profile table, with *.suffix wildcards and the port from the service', async () => {
    const modem = await online({
      profile: { dns: { table: { 'fw.example.com': '192.0.2.10', '*.iot.example.net': '198.51.100.1' } } },
    });
    const [a] = await modem.sockets.getaddrinfo('FW.example.com.', '443', { family: AF_INET });
    expect(a?.addr).toEqual({ family: AF_INET, address: '192.0.2.10', port: 443 });
    const [b] = await modem.sockets.getaddrinfo('xxxx-ats.iot.example.net');
    expect(b?.addr.address).toBe('198.51.100.1');
    // The defaults stay: AWS IoT and nRF Cloud names point at the local stand-ins.
    expect((await modem.dns.getaddrinfo('a1b2c3-ats.iot.eu-west-1.amazonaws.com'))[0]?.addr.address).toBe(
      '127.0.0.1',
    );
    expect((await modem.dns.getaddrinfo('mqtt.nrfcloud.com'))[0]?.addr.address).toBe('127.0.0.1');
  });

  it('fails unknown names with EAI_NONAME and without network with EAI_AGAIN', async () => {
    const modem = await online();
    expect(await eai(modem.dns.getaddrinfo('no-such-host.invalid'))).toBe(DnsEai.DNS_EAI_NONAME);
    expect(gaiStrerror(DnsEai.DNS_EAI_NONAME)).toBe('EAI_NONAME');
    expect(await eai(modem.dns.getaddrinfo('localhost', 'http'))).toBe(DnsEai.DNS_EAI_SERVICE);
    modem.control.dropPdn();
    expect(await eai(modem.dns.getaddrinfo('localhost'))).toBe(DnsEai.DNS_EAI_AGAIN);
    // Numeric addresses need no server.
    expect((await modem.dns.getaddrinfo('10.0.0.1', '80'))[0]?.addr).toEqual({
      family: AF_INET,
      address: '10.0.0.1',
      port: 80,
    });
  });

  it('returns every A record of a name in table order (one per broker cluster node)', async () => {
    const modem = await online({
      profile: { dns: { table: { 'cluster.example.com': ['127.0.0.2', '127.0.0.3', '127.0.0.4'] } } },
    });
    const all = await modem.sockets.getaddrinfo('cluster.example.com', '8883', { family: AF_INET });
    expect(all.map((i) => `${i.addr.address}:${i.addr.port}`)).toEqual([
      '127.0.0.2:8883',
      '127.0.0.3:8883',
      '127.0.0.4:8883',
    ]);
    // AF_UNSPEC without IPv6 records: all the IPv4 ones.
    expect((await modem.dns.getaddrinfo('cluster.example.com')).map((i) => i.addr.address)).toEqual([
      '127.0.0.2',
      '127.0.0.3',
      '127.0.0.4',
    ]);
  });

  it('prefers IPv6 for AF_UNSPEC as nrf_getaddrinfo does, or answers the family asked for', async () => {
    const modem = await online();
    expect((await modem.dns.getaddrinfo('localhost'))[0]?.addr.address).toBe('::1');
    expect((await modem.dns.getaddrinfo('localhost', undefined, { family: AF_INET }))[0]?.addr.address).toBe(
      '127.0.0.1',
    );
    expect((await modem.dns.getaddrinfo('localhost', undefined, { family: AF_INET6 }))[0]?.addr.family).toBe(
      AF_INET6,
    );
    expect(await eai(modem.dns.getaddrinfo('mqtt.nrfcloud.com', undefined, { family: AF_INET6 }))).toBe(
      DnsEai.DNS_EAI_NODATA,
    );
  });

  it('changes at run time through control.dns, and can fall back to the host resolver', async () => {
    const modem = await online();
    modem.control.dns.set('late.example.org', ['203.0.113.5']);
    expect((await modem.dns.getaddrinfo('late.example.org'))[0]?.addr.address).toBe('203.0.113.5');
    expect(() => modem.control.dns.set('bad.example.org', 'not-an-ip')).toThrow(
      expect.objectContaining({ code: 'NRF91SIM_INVALID_ARGUMENT' }),
    );
    modem.control.dns.delete('localhost');
    expect(await eai(modem.dns.getaddrinfo('localhost'))).toBe(DnsEai.DNS_EAI_NONAME);
    modem.control.dns.realDns = true;
    const [real] = await modem.dns.getaddrinfo('localhost', undefined, { family: AF_INET });
    expect(real?.addr.address).toBe('127.0.0.1');
  });
});
