import { afterEach, describe, expect, it } from 'vitest';
import { AF_INET, SOCK_DGRAM } from '../../modem/sockets/constants.js';
import { udpEchoServer } from '../integration/socket-servers.js';
import { memoryModem } from '../helpers/memory-modem.js';

type Harness = ReturnType<typeof memoryModem>;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function registered(options: Parameters<typeof memoryModem>[0] = {}): Promise<Harness> {
  const m = memoryModem(options);
  cleanup.push(() => m.modem.close());
  await m.cmd('AT+CFUN=1');
  await m.clock.advance(2000);
  m.clear();
  return m;
}

describe('%XBANDLOCK and %XCBAND', () => {
  it('locks bands before +CFUN=1, reads 88-bit masks, and camps only on an allowed band', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XBANDLOCK?')).toBe('%XBANDLOCK: "",""\r\nOK\r\n');
    expect(await m.cmd('AT%XCBAND')).toBe('%XCBAND: 0\r\nOK\r\n');
    // Band 20 is the serving cell's: a runtime lock to bands 3 and 8 leaves nothing to camp on.
    expect(await m.cmd('AT%XBANDLOCK=2,"10000100"')).toBe('OK\r\n');
    expect(await m.cmd('AT%XBANDLOCK?')).toBe(`%XBANDLOCK: "","${'0'.repeat(80)}10000100"\r\nOK\r\n`);
    expect(await m.cmd('AT%XCBAND=?')).toBe('%XCBAND: (3,8)\r\nOK\r\n');
    await m.cmd('AT+CEREG=1;+CFUN=1');
    await m.clock.advance(5000);
    expect(await m.cmd('AT+CEREG?')).toBe('+CEREG: 1,2\r\nOK\r\n');
    expect(await m.cmd('AT+CMEE=1;%XBANDLOCK=0')).toBe('+CME ERROR: 518\r\n');
    await m.cmd('AT+CFUN=4;%XBANDLOCK=0;+CFUN=1');
    await m.clock.advance(2000);
    expect(await m.cmd('AT%XCBAND')).toBe('%XCBAND: 20\r\nOK\r\n');
    expect(await m.cmd('AT%XCBAND=?')).toBe(
      '%XCBAND: (1,2,3,4,5,8,12,13,14,17,18,19,20,25,26,28,66)\r\nOK\r\n',
    );
  });

  it('refuses masks that leave no supported band or none in common', async () => {
    const m = memoryModem();
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT%XBANDLOCK=1,"1000000"')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT%XBANDLOCK=1,"1000"')).toBe('OK\r\n');
    expect(await m.cmd('AT%XBANDLOCK=2,"100"')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT%XBANDLOCK=2,"1100"')).toBe('OK\r\n');
    expect(await m.cmd('AT%XBANDLOCK=1,"12"')).toBe('+CME ERROR: 50\r\n');
  });
});

describe('%XSNRSQ, %XNETTIME, %XDATAPRFL', () => {
  it('reads SNR, Srxlev and CE level, and notifies SNR threshold crossings', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XSNRSQ?')).toBe('%XSNRSQ: 127,32767,255\r\nOK\r\n');
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    expect(await m.cmd('AT%XSNRSQ?')).toBe('%XSNRSQ: 39,172,0\r\nOK\r\n');
    expect(await m.cmd('AT%XSNRSQ=1')).toBe('OK\r\n');
    m.clear();
    m.modem.control.setSignal({ snr: 14 });
    m.modem.control.setSignal({ snr: 5, rsrp: -115 });
    await m.until('%XSNRSQ');
    expect(m.output()).toBe('%XSNRSQ: 29,2,152,1\r\n');
  });

  it('%XNETTIME=0 keeps the network time out of +CCLK and %XTIME', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XNETTIME?')).toBe('%XNETTIME: 1\r\nOK\r\n');
    await m.cmd('AT%XNETTIME=0;%XTIME=1;+CFUN=1');
    await m.clock.advance(2000);
    expect(await m.cmd('AT%XNETTIME?;+CCLK?')).toBe('%XNETTIME: 0\r\nERROR\r\n');
    expect(m.output()).not.toContain('%XTIME:');
  });

  it('%XDATAPRFL keeps the profile (2 by default)', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XDATAPRFL?')).toBe('%XDATAPRFL: 2\r\nOK\r\n');
    expect(await m.cmd('AT%XDATAPRFL=0;%XDATAPRFL?')).toBe('%XDATAPRFL: 0\r\nOK\r\n');
    expect(await m.cmd('AT%XDATAPRFL=5')).toBe('ERROR\r\n');
  });
});

describe('%XRAI, %RAI', () => {
  it('keeps the release assistance settings and reports the serving cell with %RAI=2', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XRAI?;%RAI?')).toBe('%XRAI: 0\r\n%RAI: 0\r\nOK\r\n');
    expect(await m.cmd('AT%XRAI=4;%XRAI?')).toBe('%XRAI: 4\r\nOK\r\n');
    expect(await m.cmd('AT%XRAI=2')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%XRAI;%XRAI?')).toBe('%XRAI: 0\r\nOK\r\n');
    await m.cmd('AT%RAI=2;+CFUN=1');
    await m.clock.advance(2000);
    await m.until('%RAI: "0012BEEF","26201",1,0\r\n');
    m.clear();
    expect(await m.cmd('AT%RAI=1;%RAI=2')).toBe('OK\r\n%RAI: "0012BEEF","26201",1,0\r\n');
  });
});

describe('%XPTW, %XT3412, %PERIODICSEARCHCONF', () => {
  it('%XPTW requests a paging time window the network grants; +CEDRXS resets it', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XPTW?')).toBe('%XPTW: 4,"0011"\r\n%XPTW: 5,"0000"\r\nOK\r\n');
    expect(await m.cmd('AT+CEDRXS=2,4,"1001";%XPTW=4,"0101";%XPTW?')).toBe(
      '%XPTW: 4,"0101"\r\n%XPTW: 5,"0000"\r\nOK\r\n',
    );
    await m.cmd('AT+CFUN=1');
    await m.clock.advance(2000);
    await m.until('+CEDRXP: 4,"1001","1001","0101"\r\n');
    expect(await m.cmd('AT+CEDRXRDP')).toBe('+CEDRXRDP: 4,"1001","1001","0101"\r\nOK\r\n');
    expect(await m.cmd('AT+CEDRXS=1,4,"1010";%XPTW?')).toBe('%XPTW: 4,"0011"\r\n%XPTW: 5,"0000"\r\nOK\r\n');
    expect(await m.cmd('AT%XPTW=4,"012"')).toBe('ERROR\r\n');
  });

  it('%XT3412 reports the time to the periodic TAU when PSM starts, and again before it', async () => {
    const m = memoryModem();
    // Periodic TAU 10 min (00000001), Active-Time 1 min (00100001).
    await m.cmd('AT+CPSMS=1,,,"00000001","00100001";%XT3412=1,60000,300000;+CFUN=1');
    await m.clock.advance(2000);
    m.clear();
    await m.clock.advance(9500 + 60_000);
    await m.until('%XT3412: 540000\r\n');
    await m.clock.advance(480_000);
    await m.until('%XT3412: 60000\r\n');
    expect(m.output()).toBe('%XT3412: 540000\r\n%XT3412: 60000\r\n');
    expect(await m.cmd('AT%XT3412=1,100')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%XT3412=0')).toBe('OK\r\n');
  });

  it('%PERIODICSEARCHCONF writes, reads, clears and validates search patterns', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%PERIODICSEARCHCONF=1')).toBe('OK\r\n');
    expect(await m.cmd('AT%PERIODICSEARCHCONF=0,0,1,1,"0,10,40,,5","1,60,86,160,300,600"')).toBe('OK\r\n');
    expect(await m.cmd('AT%PERIODICSEARCHCONF=1')).toBe(
      '%PERIODICSEARCHCONF: 0,1,1,"0,10,40,,5","1,60,86,160,300,600"\r\nOK\r\n',
    );
    expect(await m.cmd('AT%PERIODICSEARCHCONF=0,0,1,1,"2,10"')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%PERIODICSEARCHCONF=0,2,1,1,"1,10"')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%PERIODICSEARCHCONF=2;%PERIODICSEARCHCONF=1')).toBe('OK\r\n');
    expect(await m.cmd('AT%PERIODICSEARCHCONF=3')).toBe('OK\r\n');
  });
});

describe('%XCONNSTAT', () => {
  it('counts the bytes and packets sockets move between start and stop', async () => {
    const echo = await udpEchoServer();
    cleanup.push(() => echo.close());
    const m = await registered();
    expect(await m.cmd('AT%XCONNSTAT?')).toBe('%XCONNSTAT: 0,0,0,0,0,0\r\nOK\r\n');
    expect(await m.cmd('AT%XCONNSTAT=1')).toBe('OK\r\n');
    const sockets = m.modem.sockets;
    const fd = await sockets.socket(AF_INET, SOCK_DGRAM, 0);
    for (let i = 0; i < 3; i++) {
      await sockets.sendto(fd, Buffer.alloc(1000, i), 0, {
        family: AF_INET,
        address: '127.0.0.1',
        port: echo.port,
      });
      await sockets.recvfrom(fd, 2000);
    }
    expect(await m.cmd('AT%XCONNSTAT=0;%XCONNSTAT?')).toBe('%XCONNSTAT: 0,0,2,2,1000,1000\r\nOK\r\n');
    await sockets.sendto(fd, Buffer.alloc(10), 0, { family: AF_INET, address: '127.0.0.1', port: echo.port });
    expect(await m.cmd('AT%XCONNSTAT?')).toBe('%XCONNSTAT: 0,0,2,2,1000,1000\r\nOK\r\n');
    expect(await m.cmd('AT%XCONNSTAT=1;%XCONNSTAT?')).toBe('%XCONNSTAT: 0,0,0,0,0,0\r\nOK\r\n');
  });
});
