import { describe, expect, it } from 'vitest';
import { memoryModem } from '../helpers/memory-modem.js';

const identity = {
  iccid: '8901234567890123456',
  imsi: '262011234567890',
  deviceUuid: '50345053-3639-49c0-80fe-172000f3296d',
};

describe('+CRSM: restricted SIM access to the USIM files', () => {
  it('reads EF_ICCID, EF_IMSI, EF_AD and EF_FPLMN as 3GPP TS 31.102 encodes them', async () => {
    const m = memoryModem({ profile: { identity } });
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT+CRSM=176,12258,0,0,10')).toBe('+CME ERROR: 10\r\n');
    await m.cmd('AT+CFUN=41');
    expect(await m.cmd('AT+CRSM=176,12258,0,0,10')).toBe('+CRSM: 144,0,"981032547698103254F6"\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=176,28423,0,0,9')).toBe('+CRSM: 144,0,"082926102143658709"\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=176,28589,0,0,4')).toBe('+CRSM: 144,0,"00000002"\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=176,28539,0,0,12')).toBe('+CRSM: 144,0,"FFFFFFFFFFFFFFFFFFFFFFFF"\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=176,28423,0,1,0')).toBe('+CRSM: 144,0,"2926102143658709"\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=192,12258')).toBe(
      '+CRSM: 144,0,"620F8202412183022FE28A01058002000A"\r\nOK\r\n',
    );
    expect(await m.cmd('AT+CRSM=242')).toBe('+CRSM: 144,0\r\nOK\r\n');
  });

  it('answers status words for what a read-only USIM cannot do', async () => {
    const m = memoryModem({ profile: { identity } });
    await m.cmd('AT+CMEE=1;+CFUN=41');
    expect(await m.cmd('AT+CRSM=176,28486,0,0,17')).toBe('+CRSM: 106,130\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=176,12258,0,0,20')).toBe('+CRSM: 108,10\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=214,12258,0,0,1,"00"')).toBe('+CRSM: 105,130\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=178,12258,1,4,10')).toBe('+CRSM: 105,129\r\nOK\r\n');
    expect(await m.cmd('AT+CRSM=1,12258')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT+CRSM=176')).toBe('ERROR\r\n');
  });
});

describe('+CSIM: generic SIM access', () => {
  it('opens a logical channel, selects and reads files on it, and closes it', async () => {
    const m = memoryModem({ profile: { identity } });
    await m.cmd('AT+CMEE=1;+CFUN=41');
    expect(await m.cmd('AT+CSIM=10,"0070000001"')).toBe('+CSIM: 6,"019000"\r\nOK\r\n');
    expect(await m.cmd('AT+CSIM=14,"01A4000C022FE2"')).toBe('+CSIM: 4,"9000"\r\nOK\r\n');
    expect(await m.cmd('AT+CSIM=10,"01B000000A"')).toBe('+CSIM: 24,"981032547698103254F69000"\r\nOK\r\n');
    expect(await m.cmd('AT+CSIM=24,"01A4040407A0000000871002"')).toBe('+CSIM: 4,"9000"\r\nOK\r\n');
    expect(await m.cmd('AT+CSIM=14,"01A40004026F07"')).toBe(
      '+CSIM: 38,"620F8202412183026F078A0105800200099000"\r\nOK\r\n',
    );
    expect(await m.cmd('AT+CSIM=10,"01B0000009"')).toBe('+CSIM: 22,"0829261021436587099000"\r\nOK\r\n');
    expect(await m.cmd('AT+CSIM=10,"0070800100"')).toBe('+CSIM: 4,"9000"\r\nOK\r\n');
    expect(await m.cmd('AT+CSIM=14,"01A4000C022FE2"')).toBe('+CSIM: 4,"6881"\r\nOK\r\n');
  });

  it('keeps the basic channel to STATUS, MANAGE CHANNEL, PIN and ENVELOPE', async () => {
    const m = memoryModem({ profile: { identity } });
    await m.cmd('AT+CMEE=1;+CFUN=41');
    expect(await m.cmd('AT+CSIM=10,"80F2000C00"')).toBe('+CSIM: 4,"9000"\r\nOK\r\n');
    expect(await m.cmd('AT+CSIM=10,"0020000100"')).toBe('+CSIM: 4,"6984"\r\nOK\r\n');
    expect(await m.cmd('AT+CSIM=14,"00A4000C022FE2"')).toBe('+CME ERROR: 3\r\n');
    expect(await m.cmd('AT+CSIM=8,"0070000001"')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT+CSIM=10,"A4A4000000"')).toBe('+CSIM: 4,"6E00"\r\nOK\r\n');
  });
});

describe('%XSIM, %XOPERID, %DEVICEUUID', () => {
  it('notifies the UICC state when it powers up and down, and reads it', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XSIM?')).toBe('%XSIM: 0\r\nOK\r\n');
    expect(await m.cmd('AT%XSIM=1;+CFUN=41')).toBe('OK\r\n%XSIM: 1\r\n');
    expect(await m.cmd('AT%XSIM?')).toBe('%XSIM: 1\r\nOK\r\n');
    expect(await m.cmd('AT+CFUN=4')).toBe('OK\r\n');
    expect(await m.cmd('AT+CFUN=0')).toBe('OK\r\n%XSIM: 0\r\n');
    await m.cmd('AT+CFUN=1');
    m.clear();
    m.modem.control.removeSim();
    await m.until('%XSIM: 0\r\n');
  });

  it('identifies the operator from the IMSI and reads the device UUID', async () => {
    const m = memoryModem({ profile: { identity } });
    await m.cmd('AT+CMEE=1');
    expect(await m.cmd('AT%XOPERID')).toBe('+CME ERROR: 10\r\n');
    await m.cmd('AT+CFUN=41');
    expect(await m.cmd('AT%XOPERID')).toBe('%XOPERID: 0\r\nOK\r\n');
    const verizon = memoryModem({ profile: { identity: { imsi: '311480123456789' } } });
    expect(await verizon.cmd('AT+CFUN=41;%XOPERID')).toBe('%XOPERID: 1\r\nOK\r\n');
    expect(await m.cmd('AT%DEVICEUUID')).toBe('%DEVICEUUID: 50345053-3639-49c0-80fe-172000f3296d\r\nOK\r\n');
  });
});

describe('battery and temperature levels', () => {
  it('%XPOFWARN: warns once under its level, takes the modem offline and blocks NVM writes', async () => {
    const m = memoryModem();
    await m.cmd('AT+CMEE=1;%MDMEV=1');
    expect(await m.cmd('AT%XPOFWARN=1')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%XPOFWARN=1,29')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT%XPOFWARN=1,33;+CFUN=1')).toBe('OK\r\n');
    m.clear();
    m.modem.control.setBatteryVoltage(3250);
    await m.until('%MDMEV: ME BATTERY LOW\r\n');
    expect(await m.cmd('AT+CFUN?')).toBe('+CFUN: 4\r\nOK\r\n');
    expect(await m.cmd('AT%CMNG=0,7,0,"x"')).toBe('+CME ERROR: 528\r\n');
    m.modem.control.setBatteryVoltage(3400);
    m.modem.control.setBatteryVoltage(3200);
    expect(await m.cmd('AT+CFUN?')).toBe('+CFUN: 4\r\nOK\r\n');
    expect(m.output()).toBe(
      '%MDMEV: ME BATTERY LOW\r\n+CFUN: 4\r\nOK\r\n+CME ERROR: 528\r\n+CFUN: 4\r\nOK\r\n',
    );
  });

  it('%XVBATLOWLVL and %XVBATLVL notify a supply under the battery low level', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XVBATLOWLVL?')).toBe('%XVBATLOWLVL: 3300\r\nOK\r\n');
    expect(await m.cmd('AT%XVBATLOWLVL=3000')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%XVBATLOWLVL=3500;%XVBATLVL=1;%XVBATLOWLVL?')).toBe('%XVBATLOWLVL: 3500\r\nOK\r\n');
    m.clear();
    m.modem.control.setBatteryVoltage(3450);
    await m.until('%XVBATLOWLVL: 3450\r\n');
    await m.cmd('AT%XVBATLVL=0');
    m.modem.control.setBatteryVoltage(3600);
    m.modem.control.setBatteryVoltage(3400);
    expect(await m.cmd('AT')).toBe('OK\r\n');
    expect(m.output()).toBe('%XVBATLOWLVL: 3450\r\nOK\r\nOK\r\n');
  });

  it('%XTEMPHIGHLVL sets where %XTEMP reports level 1 (factory 55 °C)', async () => {
    const m = memoryModem({ profile: { sensors: { temperatureC: 40 } } });
    expect(await m.cmd('AT%XTEMPHIGHLVL?')).toBe('%XTEMPHIGHLVL: 55\r\nOK\r\n');
    expect(await m.cmd('AT%XTEMPHIGHLVL=86')).toBe('ERROR\r\n');
    await m.cmd('AT%XTEMPHIGHLVL=60;%XTEMP=1');
    m.clear();
    m.modem.control.setTemperature(59);
    m.modem.control.setTemperature(61);
    await m.until('%XTEMP: 1,61\r\n');
    expect(m.output()).toBe('%XTEMP: 1,61\r\n');
  });
});

describe('%XFACTORYRESET', () => {
  it('puts the stored settings back to factory values, with LTE off only', async () => {
    const m = memoryModem();
    await m.cmd(
      'AT%XSYSTEMMODE=0,1,0,0;%XBANDLOCK=2,"10000000000000000000";+CPSMS=1;%XDATAPRFL=0;' +
        '+CGDCONT=1,"IP","a";%XTEMPHIGHLVL=70;%XCOEX0=1,1,1570,1580;%XMODEMTRACE=1,2',
    );
    await m.cmd('AT+CMEE=1;+CFUN=1');
    expect(await m.cmd('AT%XFACTORYRESET=0')).toBe('+CME ERROR: 518\r\n');
    expect(await m.cmd('AT+CFUN=4;%XFACTORYRESET=2')).toBe('+CME ERROR: 50\r\n');
    expect(await m.cmd('AT%XFACTORYRESET=1')).toBe('OK\r\n');
    expect(
      await m.cmd('AT%XSYSTEMMODE?;%XBANDLOCK?;+CPSMS?;%XDATAPRFL?;+CGDCONT?;%XTEMPHIGHLVL?;%XCOEX0?'),
    ).toBe(
      '%XSYSTEMMODE: 1,0,1,0\r\n%XBANDLOCK: "",""\r\n+CPSMS: 0,,,"00000110","00100001"\r\n%XDATAPRFL: 2\r\n' +
        '+CGDCONT: 0,"IPV4V6","ibasis.iot","",0,0\r\n%XTEMPHIGHLVL: 55\r\nOK\r\n',
    );
  });
});

describe('%XMODEMTRACE, %XCOEX0, %XMAGPIO', () => {
  it('%XMODEMTRACE keeps the trace selection and bitmaps', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XMODEMTRACE=1,2')).toBe('OK\r\n');
    expect(await m.cmd('AT%XMODEMTRACE=1,6')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%XMODEMTRACE=2,7,"0a0B";%XMODEMTRACE=3,7')).toBe('%XMODEMTRACE: "0A0B"\r\nOK\r\n');
    expect(await m.cmd('AT+CMEE=1;%XMODEMTRACE=3,8')).toBe('+CME ERROR: 513\r\n');
    expect(await m.cmd('AT%XMODEMTRACE=0')).toBe('OK\r\n');
  });

  it('%XCOEX0 and %XMAGPIO store pin configurations, read them back, and delete them', async () => {
    const m = memoryModem();
    expect(await m.cmd('AT%XCOEX0?')).toBe('OK\r\n');
    expect(await m.cmd('AT%XCOEX0=3,1,1570,1580,1,2000,2180,1,600,800;%XCOEX0?')).toBe(
      '%XCOEX0: 3,1,1570,1580,1,2000,2180,1,600,800\r\nOK\r\n',
    );
    expect(await m.cmd('AT%XCOEX0=2,1,1570,1580')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%XCOEX0;%XCOEX0?')).toBe('OK\r\n');
    expect(await m.cmd('AT%XMAGPIO=1,1,1,3,0,1574,1577,1,705,747,6,748,804;%XMAGPIO?')).toBe(
      '%XMAGPIO: 1,1,1,3,0,1574,1577,1,705,747,6,748,804\r\nOK\r\n',
    );
    expect(await m.cmd('AT%XMAGPIO=1,1,1,1,8,1,2')).toBe('ERROR\r\n');
    expect(await m.cmd('AT%XMAGPIO;%XMAGPIO?')).toBe('OK\r\n');
  });
});

describe('+CLAC', () => {
  it('lists every modem command, one AT<name> per line, without the SLM #X commands', async () => {
    const m = memoryModem();
    const out = await m.cmd('AT+CLAC');
    const lines = out.split('\r\n').filter((l) => l !== '');
    expect(lines.at(-1)).toBe('OK');
    const names = lines.slice(0, -1);
    expect(names).toContain('AT+CFUN');
    expect(names).toContain('AT%XCONNSTAT');
    expect(names).toContain('AT+CLAC');
    expect(names.every((n) => /^AT[+%][A-Z0-9]+$/.test(n))).toBe(true);
    expect(names).toEqual([...names].sort());
  });
});
