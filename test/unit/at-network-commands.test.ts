import { describe, expect, it } from 'vitest';
import { memoryModem } from '../helpers/memory-modem.js';

type Harness = ReturnType<typeof memoryModem>;

/** Registered (default bearer up) at t = 2 s, with the RRC connection still up. */
async function registered(options: Parameters<typeof memoryModem>[0] = {}): Promise<Harness> {
  const m = memoryModem(options);
  await m.cmd('AT+CFUN=1');
  await m.clock.advance(2000);
  m.clear();
  return m;
}

describe('%CONEVAL (nRF91 AT ref; NCS lte_lc parses 17 fields)', () => {
  it('evaluates the serving cell from the signal and RRC state', async () => {
    const m = memoryModem();
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT%CONEVAL')).toBe('+CME ERROR: 3\r\n');
    await m.cmd('AT+CFUN=1');
    expect(await m.cmd('AT%CONEVAL')).toBe('%CONEVAL: 1\r\nOK\r\n');
    await m.clock.advance(2000);
    expect(await m.cmd('AT%CONEVAL')).toBe(
      '%CONEVAL: 0,1,8,46,20,39,"0012BEEF","26201",7,6300,20,0,0,13,1,1,113\r\nOK\r\n',
    );
    await m.clock.advance(10_000);
    m.modem.control.setSignal({ rsrp: -121, rsrq: -15, snr: 1 });
    expect(await m.cmd('AT%CONEVAL')).toBe(
      '%CONEVAL: 0,0,5,20,10,25,"0012BEEF","26201",7,6300,20,0,2,23,32,32,139\r\nOK\r\n',
    );
  });

  it('reports no UICC and not registered', async () => {
    const m = memoryModem();
    m.modem.control.denyRegistration(15);
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    expect(await m.cmd('AT%CONEVAL')).toBe('%CONEVAL: 6\r\nOK\r\n');
    m.modem.control.removeSim();
    await m.cmd('AT+CFUN=1');
    expect(await m.cmd('AT%CONEVAL')).toBe('%CONEVAL: 2\r\nOK\r\n');
  });
});

describe('%NCELLMEAS / %NCELLMEASSTOP over the profile neighbours', () => {
  const neighbours = [
    {
      earfcn: 6300,
      physicalCellId: 300,
      rsrp: -104,
      rsrq: -12,
      timeDiffMs: 120,
      cellId: '0012BF01',
      plmn: '26201',
      tac: '002F',
    },
    {
      earfcn: 1650,
      physicalCellId: 11,
      rsrp: -110,
      rsrq: -14,
      timeDiffMs: 40,
      cellId: '01A2B3C4',
      plmn: '26201',
      tac: '0030',
    },
    {
      earfcn: 6300,
      physicalCellId: 301,
      rsrp: -131,
      rsrq: -19,
      timeDiffMs: 999,
      cellId: '0012BF02',
      plmn: '26201',
      tac: '002F',
    },
  ];
  const profile = { network: { radio: { neighbours } } };

  it('answers OK, then the notification after the search: serving cell, neighbours on its EARFCN', async () => {
    const m = await registered({ profile });
    expect(await m.cmd('AT%NCELLMEAS')).toBe('OK\r\n');
    await m.clock.advance(1000);
    await m.until('%NCELLMEAS');
    // TA 24 measured at 3000 ms (RRC connected); cells: rsrp/rsrq as +CESQ indices.
    expect(m.output()).toBe(
      'OK\r\n%NCELLMEAS: 0,"0012BEEF","26201","002F",24,6300,7,46,20,3000,' +
        '6300,300,37,16,120,6300,301,10,2,999,3000\r\n',
    );
  });

  it('extended light hears every EARFCN down to -125 dBm; idle radio has no timing advance', async () => {
    const m = await registered({ profile });
    await m.clock.advance(10_000);
    m.clear();
    await m.cmd('AT%NCELLMEAS=1');
    await m.clock.advance(1000);
    await m.until('%NCELLMEAS');
    expect(m.output()).toBe(
      'OK\r\n%NCELLMEAS: 0,"0012BEEF","26201","002F",65535,6300,7,46,20,13000,' +
        '6300,300,37,16,120,1650,11,31,12,40,0\r\n',
    );
  });

  it('GCI search lists whole cell identities, the serving cell first with its neighbours', async () => {
    const m = await registered({ profile });
    await m.cmd('AT%NCELLMEAS=5,3');
    await m.clock.advance(3000);
    await m.until('%NCELLMEAS');
    expect(m.output()).toBe(
      'OK\r\n%NCELLMEAS: 0,"0012BEEF","26201","002F",24,5000,6300,7,46,20,5000,1,3,' +
        '6300,300,37,16,120,1650,11,31,12,40,6300,301,10,2,999,' +
        '"0012BF01","26201","002F",65535,0,6300,300,37,16,5009,0,0,' +
        '"01A2B3C4","26201","0030",65535,0,1650,11,31,12,5018,0,0\r\n',
    );
    expect(await m.cmd('AT%NCELLMEAS=3')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%NCELLMEAS=1,4')).toBe('ERROR\r\n');
  });

  it('one search at a time; STOP ends it with status 2, no camped cell gives status 1', async () => {
    const m = await registered({ profile });
    expect(await m.cmd('AT%NCELLMEAS;%NCELLMEAS')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%NCELLMEASSTOP')).toBe('OK\r\n%NCELLMEAS: 2\r\n');
    expect(await m.cmd('AT%NCELLMEASSTOP')).toBe('OK\r\n');
    m.modem.control.loseCoverage();
    m.clear();
    await m.cmd('AT%NCELLMEAS');
    await m.clock.advance(1000);
    await m.until('%NCELLMEAS: 1\r\n');
    await m.cmd('AT%NCELLMEAS');
    m.clear();
    await m.cmd('AT+CFUN=4');
    await m.until('%NCELLMEAS: 1\r\n');
  });

  it('derives neighbour cells from the seed when the profile names none', async () => {
    const a = await registered({ name: 'dev-a' });
    const b = await registered({ name: 'dev-a' });
    for (const m of [a, b]) {
      await m.cmd('AT%NCELLMEAS=2');
      await m.clock.advance(1000);
      await m.until('%NCELLMEAS');
    }
    expect(a.output()).toBe(b.output());
    expect(a.output()).toMatch(
      /^OK\r\n%NCELLMEAS: 0,"0012BEEF","26201","002F",24,6300,7,46,20,3000,(\d+,){5}/,
    );
  });
});

describe('+CGATT, +CGCONTRDP, +CEER', () => {
  it('detaches and stays detached until +CGATT=1; reads the attach state', async () => {
    const m = await registered();
    await m.cmd('AT+CEREG=1;+CGEREP=1');
    expect(await m.cmd('AT+CGATT?')).toBe('+CGATT: 1\r\nOK\r\n');
    expect(await m.cmd('AT+CGATT=?')).toBe('+CGATT: (0,1)\r\nOK\r\n');
    expect(await m.cmd('AT+CGATT=0')).toBe('OK\r\n+CEREG: 0\r\n+CGEV: ME DETACH\r\n');
    await m.clock.advance(5000);
    expect(await m.cmd('AT+CGATT?')).toBe('+CGATT: 0\r\nOK\r\n');
    m.clear();
    await m.cmd('AT+CGATT=1');
    await m.clock.advance(2000);
    await m.until('+CGEV: ME PDN ACT 0\r\n');
    expect(m.output()).toBe('OK\r\n+CEREG: 2\r\n+CEREG: 1\r\n+CGEV: ME PDN ACT 0\r\n');
    await m.cmd('AT+CFUN=4;+CMEE=1');
    expect(await m.cmd('AT+CGATT=1')).toBe('+CME ERROR: 3\r\n');
  });

  it('reads the DNS servers and MTU of active PDN connections, IPv6 on a second line', async () => {
    const m = await registered({ profile: { network: { radio: { ipv6: '2001:db8::74' } } } });
    const v4 = '+CGCONTRDP: 0,,"ibasis.iot","","","10.2.4.1","10.2.4.2",,,,,1358';
    expect(await m.cmd('AT+CGCONTRDP=0')).toBe(`${v4}\r\nOK\r\n`);
    await m.cmd('AT+CGDCONT=1,"IP","iot.example";+CGACT=1,1');
    expect(await m.cmd('AT+CGCONTRDP')).toBe(
      `${v4}\r\n+CGCONTRDP: 1,,"iot.example","","","10.2.4.1","10.2.4.2",,,,,1358\r\nOK\r\n`,
    );
    const dual = await registered({
      profile: {
        network: {
          radio: {
            ipv6: '2001:db8::74',
            dnsServers: { ipv4: ['10.2.4.1', '10.2.4.2'], ipv6: ['2001:db8::53', '2001:db8::54'] },
          },
        },
      },
    });
    expect(await dual.cmd('AT+CGCONTRDP=0')).toBe(
      `${v4}\r\n+CGCONTRDP: 0,,"ibasis.iot","","","2001:db8::53","2001:db8::54",,,,,\r\nOK\r\n`,
    );
    expect(await dual.cmd('AT+CMEE=1;+CGCONTRDP=3')).toBe('+CME ERROR: 3\r\n');
    expect(await dual.cmd('AT+CGCONTRDP=?')).toBe('ERROR\r\n');
  });

  it('+CEER reports the last reject', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT+CEER')).toBe('+CEER: "OTHER 0"\r\nOK\r\n');
    m.modem.control.denyRegistration(11);
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    expect(await m.cmd('AT+CEER')).toBe('+CEER: "EMM 11"\r\nOK\r\n');
  });
});
