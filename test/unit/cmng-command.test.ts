import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, VirtualClock } from '../../core/clock.js';
import type { AtChannel } from '../../modem/at/channel.js';
import type { CredentialBackend } from '../../modem/credentials/backend.js';
import { MemoryCredentialBackend } from '../../modem/credentials/backend.js';
import { CredentialStore } from '../../modem/credentials/store.js';
import { Modem } from '../../modem/modem.js';
import { createMemoryPair } from '../../modem/transport/memory.js';
import { corruptPem, crlf, expectedSha, testPki, type TestPki } from './credential-fixtures.js';

let pki: TestPki;
let modem: Modem;
let at: AtChannel;

beforeAll(async () => {
  pki = await testPki();
});
beforeEach(async () => {
  modem = new Modem({ name: 'cmng-test', clock: new VirtualClock() });
  at = modem.channel();
  await at.command('AT+CMEE=1');
});

/** The response as text: information lines, then the final result. */
async function send(command: string): Promise<string[]> {
  const r = await at.send(command);
  return [...r.lines, r.finalLine];
}

describe('%CMNG write and list', () => {
  it('writes quoted multi-line PEM and lists it with the uppercase SHA-256 of the bytes as written', async () => {
    const ca = crlf(pki.caPem);
    expect(await send(`AT%CMNG=0,42,0,"${ca}"`)).toEqual(['OK']);
    expect(await send(`AT%CMNG=0,42,1,"${pki.clientCertPem}"`)).toEqual(['OK']);
    expect(await send(`AT%CMNG=0,42,2,"${pki.clientKeyPem}"`)).toEqual(['OK']);
    expect(await send('AT%CMNG=1')).toEqual([
      `%CMNG: 42,0,"${expectedSha(ca)}"`,
      `%CMNG: 42,1,"${expectedSha(pki.clientCertPem)}"`,
      `%CMNG: 42,2,"${expectedSha(pki.clientKeyPem)}"`,
      'OK',
    ]);
  });

  it('filters by sec tag and by sec tag and type; an absent item answers only OK', async () => {
    await at.command('AT%CMNG=0,1,4,"id-1"');
    await at.command('AT%CMNG=0,2,4,"id-2"');
    await at.command('AT%CMNG=0,2,3,"00ff"');
    expect(await send('AT%CMNG=1,2')).toEqual([
      `%CMNG: 2,3,"${expectedSha('00ff')}"`,
      `%CMNG: 2,4,"${expectedSha('id-2')}"`,
      'OK',
    ]);
    expect(await send('AT%CMNG=1,1,4')).toEqual([`%CMNG: 1,4,"${expectedSha('id-1')}"`, 'OK']);
    expect(await send('AT%CMNG=1,1,3')).toEqual(['OK']);
    expect(await send('AT%CMNG=1,99')).toEqual(['OK']);
    expect(await send('AT%CMNG=1,,4')).toEqual(['+CME ERROR: 50']);
  });

  it('replaces the item when the same sec tag and type is written again', async () => {
    await at.command('AT%CMNG=0,5,4,"old"');
    await at.command('AT%CMNG=0,5,4,"new"');
    expect(await send('AT%CMNG=1,5')).toEqual([`%CMNG: 5,4,"${expectedSha('new')}"`, 'OK']);
  });

  it('stores an encrypted private key with its password', async () => {
    expect(await send(`AT%CMNG=0,6,2,"${pki.encryptedKeyPem}","secret"`)).toEqual(['OK']);
    expect(await send(`AT%CMNG=0,6,2,"${pki.encryptedKeyPem}","wrong"`)).toEqual(['+CME ERROR: 527']);
    expect(modem.control.credentials.read(6, 2).password).toBe('secret');
  });
});

describe('%CMNG read and delete', () => {
  it('reads certificates back exactly as written, CRLF included', async () => {
    const cert = crlf(pki.clientCertPem);
    await at.command(`AT%CMNG=0,16842753,1,"${cert}"`);
    expect(await send('AT%CMNG=2,16842753,1')).toEqual([
      `%CMNG: 16842753,1,"${expectedSha(cert)}","${cert}"`,
      'OK',
    ]);
    await at.command('AT%CMNG=0,16842753,4,"nrf-352656100123454"');
    expect(await send('AT%CMNG=2,16842753,4')).toEqual([
      `%CMNG: 16842753,4,"${expectedSha('nrf-352656100123454')}","nrf-352656100123454"`,
      'OK',
    ]);
  });

  it('never reads private keys or PSKs (514), and reports missing items as 513', async () => {
    await at.command(`AT%CMNG=0,42,2,"${pki.clientKeyPem}"`);
    await at.command('AT%CMNG=0,42,3,"0011"');
    expect(await send('AT%CMNG=2,42,2')).toEqual(['+CME ERROR: 514']);
    expect(await send('AT%CMNG=2,42,3')).toEqual(['+CME ERROR: 514']);
    expect(await send('AT%CMNG=2,42,0')).toEqual(['+CME ERROR: 513']);
    await at.command('AT+CMEE=0');
    expect(await send('AT%CMNG=2,42,2')).toEqual(['ERROR']);
  });

  it('deletes items; deleting a missing one is 513', async () => {
    await at.command('AT%CMNG=0,3,4,"x"');
    expect(await send('AT%CMNG=3,3,4')).toEqual(['OK']);
    expect(await send('AT%CMNG=1,3')).toEqual(['OK']);
    expect(await send('AT%CMNG=3,3,4')).toEqual(['+CME ERROR: 513']);
  });
});

describe('%CMNG while LTE is active', () => {
  for (const cfun of ['AT+CFUN=1', 'AT+CFUN=21']) {
    it(`refuses writes and deletes after ${cfun} (518, plain ERROR with CMEE=0), lists and reads still work`, async () => {
      await at.command('AT%CMNG=0,1,4,"before"');
      await at.command(cfun);
      expect(modem.functionalMode.lteActive).toBe(true);
      expect(await send('AT%CMNG=0,1,4,"during"')).toEqual(['+CME ERROR: 518']);
      expect(await send('AT%CMNG=3,1,4')).toEqual(['+CME ERROR: 518']);
      expect(await send('AT%CMNG=1')).toEqual([`%CMNG: 1,4,"${expectedSha('before')}"`, 'OK']);
      expect(await send('AT%CMNG=2,1,4')).toEqual([`%CMNG: 1,4,"${expectedSha('before')}","before"`, 'OK']);
      await at.command('AT+CMEE=0');
      expect(await send('AT%CMNG=0,1,4,"during"')).toEqual(['ERROR']);
      await at.command('AT+CFUN=4');
      expect(await send('AT%CMNG=0,1,4,"after"')).toEqual(['OK']);
    });
  }
});

describe('%CMNG refusals lose nothing', () => {
  it('refuses malformed PEM with 527 and keeps the old content', async () => {
    await at.command(`AT%CMNG=0,7,0,"${pki.caPem}"`);
    expect(await send(`AT%CMNG=0,7,0,"${corruptPem(pki.otherCaPem)}"`)).toEqual(['+CME ERROR: 527']);
    expect(await send(`AT%CMNG=0,7,1,"${pki.clientKeyPem}"`)).toEqual(['+CME ERROR: 527']);
    expect(await send('AT%CMNG=0,7,3,"not hex"')).toEqual(['+CME ERROR: 527']);
    expect(await send('AT%CMNG=1')).toEqual([`%CMNG: 7,0,"${expectedSha(pki.caPem)}"`, 'OK']);
  });

  it('answers 515 over the per-credential budget and over the total budget', async () => {
    const small = new Modem({
      clock: systemClock,
      name: 'small',
      profile: { credentials: { maxTotalBytes: 6000 } },
    });
    const ch = small.channel();
    await ch.command('AT+CMEE=1');
    expect((await ch.send(`AT%CMNG=0,1,4,"${'a'.repeat(4097)}"`)).finalLine).toBe('+CME ERROR: 515');
    expect((await ch.send(`AT%CMNG=0,1,4,"${'a'.repeat(4096)}"`)).finalLine).toBe('OK');
    expect((await ch.send(`AT%CMNG=0,2,4,"${'b'.repeat(2000)}"`)).finalLine).toBe('+CME ERROR: 515');
    expect((await ch.send('AT%CMNG=1')).lines).toEqual([`%CMNG: 1,4,"${expectedSha('a'.repeat(4096))}"`]);
  });

  it('answers parameter errors as the modem does and keeps answering', async () => {
    const cases: Array<[string, string]> = [
      ['AT%CMNG=0,1,0,unquoted', 'ERROR'],
      ['AT%CMNG=0,1,0,"unterminated', 'ERROR'],
      ['AT%CMNG=0,1,4', 'ERROR'],
      ['AT%CMNG=0,1,4,""', '+CME ERROR: 50'],
      ['AT%CMNG=0,-1,4,"x"', '+CME ERROR: 50'],
      ['AT%CMNG=0,4294967296,4,"x"', '+CME ERROR: 50'],
      ['AT%CMNG=0,2147483648,4,"x"', '+CME ERROR: 514'],
      ['AT%CMNG=0,1,7,"x"', '+CME ERROR: 50'],
      ['AT%CMNG=0,1,8,"x"', '+CME ERROR: 514'],
      [`AT%CMNG=0,1,2,"${'x'}","${'p'.repeat(33)}"`, '+CME ERROR: 50'],
      ['AT%CMNG=4', '+CME ERROR: 50'],
      ['AT%CMNG=', 'ERROR'],
      ['AT%CMNG?', 'ERROR'],
    ];
    for (const [command, final] of cases) expect(await send(command), command).toEqual([final]);
    expect(await send('AT%CMNG=1')).toEqual(['OK']);
    expect(await send('AT')).toEqual(['OK']);
  });

  it('answers +CME ERROR: 0 when the store cannot be saved, keeps the old items and goes on answering', async () => {
    const inner = new MemoryCredentialBackend();
    let broken = false;
    const backend: CredentialBackend = {
      kind: 'flaky',
      load: () => inner.load(),
      save: (items) => (broken ? Promise.reject(new Error('EIO: flash write failed')) : inner.save(items)),
    };
    const flaky = new Modem({
      clock: systemClock,
      name: 'flaky',
      credentials: await CredentialStore.open(backend),
    });
    const errors: unknown[] = [];
    flaky.on('internal-error', (_command, error) => errors.push(error));
    const ch = flaky.channel();
    await ch.command('AT+CMEE=1');
    await ch.command('AT%CMNG=0,1,4,"kept"');
    broken = true;
    expect((await ch.send('AT%CMNG=0,2,4,"lost"')).finalLine).toBe('+CME ERROR: 0');
    expect(errors).toHaveLength(1);
    expect(await ch.command('AT%CMNG=1')).toEqual([`%CMNG: 1,4,"${expectedSha('kept')}"`]);
    broken = false;
    expect((await ch.send('AT%CMNG=0,2,4,"later"')).finalLine).toBe('OK');
  });

  it('answers the test form with the ranges', async () => {
    expect(await send('AT%CMNG=?')).toEqual(['%CMNG: (0-3),(0-2147483647),(0-6)', 'OK']);
  });
});

describe('%CMNG on the wire', () => {
  it('drops a write whose quote never closes with ERROR after the quiet time, storing nothing', async () => {
    const clock = new VirtualClock();
    const wired = new Modem({ name: 'wire-quote', clock });
    const { device, host } = createMemoryPair();
    wired.attach(device);
    let out = '';
    host.on('data', (chunk) => (out += chunk.toString('latin1')));
    const settle = async (): Promise<void> => {
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    };
    host.write(`AT%CMNG=0,1,0,"${pki.caPem.slice(0, 120)}\r\n`);
    await settle();
    expect(out).toBe('');
    await clock.advance(wired.profile.at.quoteTimeoutMs);
    await settle();
    expect(out).toBe('ERROR\r\n');
    out = '';
    host.write('AT%CMNG=1\r\n');
    await settle();
    expect(out).toBe('OK\r\n');
    expect(wired.control.credentials.list()).toEqual([]);
  });

  it('takes a PEM body split into 8-byte chunks with CRLF inside the quotes, and reads it back byte for byte', async () => {
    const wired = new Modem({ name: 'wire', clock: new VirtualClock() });
    const { device, host } = createMemoryPair();
    wired.attach(device);
    let out = '';
    host.on('data', (chunk) => (out += chunk.toString('latin1')));
    const until = async (needle: string): Promise<void> => {
      for (let i = 0; i < 10_000 && !out.includes(needle); i++) await new Promise((r) => setImmediate(r));
      expect(out).toContain(needle);
    };
    const pem = crlf(pki.caPem);
    const bytes = Buffer.from(`AT%CMNG=0,16842753,0,"${pem}"\r\n`, 'latin1');
    for (let i = 0; i < bytes.length; i += 8) host.write(bytes.subarray(i, i + 8));
    await until('OK\r\n');
    expect(out).toBe('OK\r\n');
    out = '';
    host.write('AT%CMNG=1\r\n');
    await until('OK\r\n');
    expect(out).toBe(`%CMNG: 16842753,0,"${expectedSha(pem)}"\r\nOK\r\n`);
    out = '';
    host.write('AT%CMNG=2,16842753,0\r\n');
    await until('\r\nOK\r\n');
    expect(out).toBe(`%CMNG: 16842753,0,"${expectedSha(pem)}","${pem}"\r\nOK\r\n`);
  });
});
