import { systemClock } from '../../core/clock.js';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AtClient, duplexLink } from '../../modem/at/client.js';
import { fromBase64url, verifyCoseSign1 } from '../../modem/credentials/cose.js';
import { deviceIdentityKey } from '../../modem/credentials/identity-key.js';
import { parseKeygenPayload } from '../../modem/credentials/nrf-messages.js';
import { crlf, expectedSha, testPki, type TestPki } from '../unit/credential-fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(repoRoot, 'bin', 'nrf91sim.js');

interface Booted {
  child: ChildProcessWithoutNullStreams;
  events: Record<string, unknown>[];
}

/** `nrf91sim device boot` as a child process; resolves once it printed its `ready` event. */
async function boot(args: string[]): Promise<Booted> {
  const child = spawn(process.execPath, [cli, 'device', 'boot', '--json', ...args], { cwd: repoRoot });
  const events: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready event; stderr: ${stderr}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`CLI exited with ${code}; stderr: ${stderr}`)));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      if (event.event === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { child, events };
}

async function stop(booted: Booted): Promise<void> {
  if (booted.child.exitCode !== null) return;
  const exited = new Promise((resolve) => booted.child.once('exit', resolve));
  booted.child.kill('SIGTERM');
  await exited;
}

/** Opens the PTY as a serial tool would (the `serialport` package, by path) with an AT client on it. */
async function openPort(link: string): Promise<{ at: AtClient; close(): Promise<void> }> {
  const port = new SerialPort({ path: link, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  await new Promise<void>((resolve) => port.flush(() => resolve()));
  port.on('error', () => {});
  return {
    at: new AtClient(duplexLink(port), { clock: systemClock, defaultTimeoutMs: 15_000 }),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

let root: string;
let pki: TestPki;
const running: Booted[] = [];
const ports: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'nrf91sim-cred-pty-'));
  pki = await testPki();
});
afterEach(async () => {
  for (const p of ports.splice(0)) await p.close();
  for (const b of running.splice(0)) await stop(b);
});
afterAll(() => fs.rm(root, { recursive: true, force: true }));

async function session(state: string, link: string, extra: string[] = []): Promise<AtClient> {
  const booted = await boot(['--serial', `pty:${link}`, '--state', state, '--name', 'pty-dev', ...extra]);
  running.push(booted);
  const port = await openPort(link);
  ports.push(port);
  await port.at.command('AT+CMEE=1');
  return port.at;
}

async function restart(): Promise<void> {
  for (const p of ports.splice(0)) await p.close();
  for (const b of running.splice(0)) await stop(b);
}

describe('credential store over a real PTY with the CLI', () => {
  it('writes CA, certificate and key as CRLF PEM, lists their SHA-256, refuses the key read, and keeps them across a restart', async () => {
    const state = path.join(root, 'state-a');
    const link = path.join(root, 'tty-a');
    let at = await session(state, link);
    await at.command('AT+CFUN=4');
    const items: Array<[number, string]> = [
      [0, crlf(pki.caPem)],
      [1, crlf(pki.clientCertPem)],
      [2, crlf(pki.clientKeyPem)],
    ];
    for (const [type, pem] of items) expect(await at.command(`AT%CMNG=0,201,${type},"${pem}"`)).toEqual([]);
    const listed = await at.command('AT%CMNG=1,201');
    expect(listed).toEqual(items.map(([type, pem]) => `%CMNG: 201,${type},"${expectedSha(pem)}"`));
    expect((await at.send('AT%CMNG=2,201,2')).final).toBe('+CME ERROR: 514');
    const read = await at.command('AT%CMNG=2,201,1');
    expect(read).toEqual([`%CMNG: 201,1,"${expectedSha(items[1]?.[1] as string)}","${items[1]?.[1]}"`]);
    await at.command('AT+CFUN=1');
    expect((await at.send('AT%CMNG=3,201,0')).final).toBe('+CME ERROR: 518');

    await restart();
    at = await session(state, link);
    expect(await at.command('AT%CMNG=1,201')).toEqual(listed);
  });

  it('answers %KEYGEN with a CSR openssl verifies and a COSE signature over its hash, and keeps the key', async () => {
    const state = path.join(root, 'state-b');
    const link = path.join(root, 'tty-b');
    let at = await session(state, link);
    const [line] = await at.command('AT%KEYGEN=16842753,2,0,"CN=pty-dev"');
    const m = /^%KEYGEN: "([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)"$/.exec(line ?? '');
    expect(m, line).not.toBeNull();
    const der = fromBase64url(m?.[1] as string);
    const csrFile = path.join(root, 'csr.der');
    await fs.writeFile(csrFile, der);
    const { stdout, stderr } = await promisify(execFile)('openssl', [
      'req',
      '-verify',
      '-inform',
      'DER',
      '-in',
      csrFile,
      '-noout',
      '-subject',
    ]);
    expect(`${stdout}${stderr}`).toMatch(/verify OK/i);
    expect(stdout).toContain('CN = pty-dev');

    const identity = JSON.parse(
      await fs.readFile(path.join(state, 'devices', 'pty-dev', 'identity.json'), 'utf8'),
    ) as { deviceUuid: string };
    const cose = verifyCoseSign1(
      fromBase64url(m?.[2] as string),
      createPublicKey(deviceIdentityKey(identity.deviceUuid).publicKeyPem),
    );
    expect(cose.valid).toBe(true);
    const payload = parseKeygenPayload(cose.payload as Uint8Array);
    expect(payload.digest.equals(createHash('sha256').update(der).digest())).toBe(true);
    expect(payload).toMatchObject({ secTag: 16842753, deviceUuid: identity.deviceUuid });

    const listed = await at.command('AT%CMNG=1,16842753');
    expect(listed).toEqual([expect.stringMatching(/^%CMNG: 16842753,2,"[0-9A-F]{64}"$/)]);
    await restart();
    at = await session(state, link);
    expect(await at.command('AT%CMNG=1,16842753')).toEqual(listed);
  });

  it('pre-provisions nRF Cloud credentials with --provision nrf-cloud, the same ones after a restart', async () => {
    const state = path.join(root, 'state-c');
    const link = path.join(root, 'tty-c');
    let at = await session(state, link, ['--provision', 'nrf-cloud']);
    const listed = await at.command('AT%CMNG=1');
    expect(listed.map((l) => l.slice(0, l.indexOf('"')))).toEqual([
      '%CMNG: 16842753,0,',
      '%CMNG: 16842753,1,',
      '%CMNG: 16842753,2,',
    ]);
    const ca = await fs.readFile(path.join(state, 'nrf-cloud', 'ca', 'ca.crt'), 'latin1');
    expect(listed[0]).toBe(`%CMNG: 16842753,0,"${expectedSha(ca)}"`);
    await restart();
    at = await session(state, link, ['--provision', 'nrf-cloud']);
    expect(await at.command('AT%CMNG=1')).toEqual(listed);
  });
});
