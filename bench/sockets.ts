import { systemClock } from '../core/clock.js';
/**
 * Modem sockets against a plain node:tls client, same machine, same server, same run: TLS
 * handshakes per second (full, and resumed through TLS_SESSION_CACHE) and bulk throughput both
 * ways. Both clients speak TLS 1.2 with the modem's cipher suites and the server sends records of
 * at most 2 KB (the modem's TLS buffer), so the difference is the cost of the modem layer on the
 * ideal link. Prints one JSON object.
 *
 * The server runs in a worker thread of this process, as a remote server would run elsewhere. Each
 * trial runs one client in a child process of its own (a fresh heap: one client's garbage is not
 * collected on the other's time); trials come in pairs, plain and modem back to back in alternating
 * order, and an overhead is the median of the per-pair ratios, so drift in the machine's load
 * cancels out. The modem client downloads with recvInto into one reused 64 KB buffer, as C code
 * calls recv, and once more with recv (a Buffer per record); the plain client takes `data` events.
 *
 * Run it from the build, as the simulator runs: a TypeScript loader (tsx) in the trial processes
 * slows the modem's side by several points and not Node's own TLS client.
 *
 *   npm run build:bench && node dist/bench/sockets.js [--seconds S] [--megabytes M] [--pairs N]
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import tls from 'node:tls';
import { execFile } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import * as x509 from '@peculiar/x509';
import { Modem } from '../modem/modem.js';
import {
  AF_INET,
  IPPROTO_TLS_1_2,
  SOCK_STREAM,
  SOL_TLS,
  TLS_HOSTNAME,
  TLS_SEC_TAG_LIST,
  TLS_SESSION_CACHE,
} from '../modem/sockets/index.js';
import { cipherString } from '../modem/sockets/tls-ciphers.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg('--seconds', 0.5);
const PAIRS = arg('--pairs', 9);
const BYTES = arg('--megabytes', 32) * 1024 * 1024;
const TAG = 7;
/** Run from dist/ (compiled JavaScript) rather than through a TypeScript loader. */
const compiled = import.meta.url.endsWith('.js');
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function pki() {
  const caKeys = (await webcrypto.subtle.generateKey(EC, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=Bench CA',
      keys: caKeys,
      signingAlgorithm: EC,
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    },
    webcrypto,
  );
  const leaf = async (cn: string, san?: x509.JsonGeneralNames) => {
    const k = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create(
      {
        subject: `CN=${cn}`,
        issuer: 'CN=Bench CA',
        publicKey: k.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: EC,
        extensions: san ? [new x509.SubjectAlternativeNameExtension(san)] : [],
      },
      webcrypto,
    );
    const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k.privateKey));
    const key = `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
    return { cert: cert.toString('pem'), key };
  };
  return {
    ca: ca.toString('pem'),
    server: await leaf('localhost', [{ type: 'dns', value: 'localhost' }]),
    client: await leaf('bench-device'),
  };
}

/**
 * The TLS server runs in a worker thread, as a remote server would run elsewhere: it does not take
 * CPU from the client being measured. Connections say what they want in their first byte:
 * `h` handshake only, `d` download BYTES, `u` upload (the server answers `k` when it has them all).
 */
const SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const tls = require('node:tls');
const { key, cert, ca, bytes } = workerData;
const chunk = Buffer.alloc(64 * 1024, 0x5a);
const server = tls.createServer({ key, cert, ca: [ca], requestCert: true, rejectUnauthorized: true }, (s) => {
  s.on('error', () => {});
  s.setMaxSendFragment(2048);
  s.once('data', (first) => {
    const mode = String.fromCharCode(first[0]);
    if (mode === 'd') {
      let sent = 0;
      const pump = () => {
        while (sent < bytes) { sent += chunk.length; if (!s.write(chunk)) return void s.once('drain', pump); }
        s.end();
      };
      pump();
    } else if (mode === 'u') {
      let got = first.length - 1;
      const check = () => { if (got >= bytes) { s.write('k'); s.removeAllListeners('data'); } };
      s.on('data', (d) => { got += d.length; check(); });
      check();
    } else s.end();
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

interface Pki {
  ca: string;
  server: { cert: string; key: string };
  client: { cert: string; key: string };
}

/** One trial's figures: handshakes/s and MB/s. */
interface Figures {
  handshake: number;
  download: number;
  /** The modem downloading with recv(): one call per record. */
  downloadRecv?: number;
  upload2k: number;
  upload16k: number;
  resumed?: number;
}

const rate = async (once: () => Promise<void>): Promise<number> => {
  for (let i = 0; i < 10; i++) await once();
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    await once();
    n++;
  }
  return n / SECONDS;
};
const medianOf3 = async (run: () => Promise<number>): Promise<number> => {
  const v = [await run(), await run(), await run()].sort((a, b) => a - b);
  return v[1] as number;
};
const mbps = (ms: number): number => BYTES / 1e6 / (ms / 1000);
const small = Buffer.alloc(2048, 0x33);
const large = Buffer.alloc(16 * 1024, 0x33);

interface Client {
  handshake(cache?: boolean): Promise<void>;
  download(withRecv?: boolean): Promise<number>;
  upload(up: Buffer): Promise<number>;
  close(): Promise<void>;
}

function plainClient(p: Pki, port: number): Client {
  const context = tls.createSecureContext({
    ca: [p.ca],
    cert: p.client.cert,
    key: p.client.key,
    ciphers: cipherString(),
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.2',
  });
  const open = (): Promise<tls.TLSSocket> =>
    new Promise((resolve, reject) => {
      const c = tls.connect(
        { host: '127.0.0.1', port, secureContext: context, servername: 'localhost' },
        () => resolve(c),
      );
      c.once('error', reject);
    });
  return {
    handshake: async () => {
      const c = await open();
      c.end('h');
    },
    download: async () => {
      const t0 = performance.now();
      const c = await open();
      c.write('d');
      await new Promise<void>((r) => {
        c.on('data', () => undefined);
        c.on('end', r);
      });
      c.destroy();
      return mbps(performance.now() - t0);
    },
    upload: async (up) => {
      const t0 = performance.now();
      const c = await open();
      const done = new Promise<void>((r) => c.once('data', () => r()));
      c.write('u');
      let sent = 0;
      while (sent < BYTES) {
        sent += up.length;
        if (!c.write(up)) await new Promise((r) => c.once('drain', r));
      }
      await done;
      c.destroy();
      return mbps(performance.now() - t0);
    },
    close: async () => undefined,
  };
}

async function modemClient(p: Pki, port: number): Promise<Client> {
  const modem = new Modem({ clock: systemClock, name: 'bench' });
  await modem.credentials.put({ secTag: TAG, type: 0, content: p.ca });
  await modem.credentials.put({ secTag: TAG, type: 1, content: p.client.cert });
  await modem.credentials.put({ secTag: TAG, type: 2, content: p.client.key });
  await modem.channel().command('AT+CFUN=1');
  await modem.dataPath.whenUp();
  const s = modem.sockets;
  const addr = { family: AF_INET, address: '127.0.0.1', port } as const;
  const into = new Uint8Array(64 * 1024);
  const open = async (cache = false): Promise<number> => {
    const fd = s.socket(AF_INET, SOCK_STREAM, IPPROTO_TLS_1_2);
    s.setsockopt(fd, SOL_TLS, TLS_SEC_TAG_LIST, [TAG]);
    s.setsockopt(fd, SOL_TLS, TLS_HOSTNAME, 'localhost');
    if (cache) s.setsockopt(fd, SOL_TLS, TLS_SESSION_CACHE, 1);
    await s.connect(fd, addr);
    return fd;
  };
  return {
    handshake: async (cache = false) => {
      const fd = await open(cache);
      await s.send(fd, Buffer.from('h'));
      s.close(fd);
    },
    download: async (withRecv = false) => {
      const t0 = performance.now();
      const fd = await open();
      await s.send(fd, Buffer.from('d'));
      if (withRecv) while ((await s.recv(fd, 64 * 1024)).length > 0);
      else while ((await s.recvInto(fd, into)) > 0);
      s.close(fd);
      return mbps(performance.now() - t0);
    },
    upload: async (up) => {
      const t0 = performance.now();
      const fd = await open();
      await s.send(fd, Buffer.from('u'));
      for (let sent = 0; sent < BYTES;) sent += await s.send(fd, up);
      await s.recv(fd, 1);
      s.close(fd);
      return mbps(performance.now() - t0);
    },
    close: () => modem.close(),
  };
}

/** A child process's part: one client, warmed up, measured once on every figure. */
async function trial(kind: 'plain' | 'modem', p: Pki, port: number): Promise<Figures> {
  const client = kind === 'plain' ? plainClient(p, port) : await modemClient(p, port);
  // Warm up every path, then take the median of three transfers of each kind: one 32 MB transfer
  // lasts well under 100 ms, short enough for one scheduling hiccup to move it.
  await client.download();
  await client.download();
  await client.upload(small);
  await client.upload(large);
  const handshake = await rate(() => client.handshake());
  const figures: Figures = {
    handshake,
    download: await medianOf3(() => client.download()),
    upload2k: await medianOf3(() => client.upload(small)),
    upload16k: await medianOf3(() => client.upload(large)),
    ...(kind === 'modem'
      ? {
          resumed: await rate(() => client.handshake(true)),
          downloadRecv: await medianOf3(() => client.download(true)),
        }
      : {}),
  };
  await client.close();
  return figures;
}

function runChild(kind: 'plain' | 'modem', pkiJson: string, port: number): Promise<Figures> {
  const args = [...process.execArgv, process.argv[1] as string, ...process.argv.slice(2)];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { env: { ...process.env, BENCH_TRIAL: JSON.stringify({ kind, port, pki: JSON.parse(pkiJson) }) } },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as Figures)),
    );
  });
}

async function main(): Promise<void> {
  const p = await pki();
  const worker = new Worker(SERVER, {
    eval: true,
    workerData: { key: p.server.key, cert: p.server.cert, ca: p.ca, bytes: BYTES },
  });
  const port = await new Promise<number>((r) => worker.once('message', r));
  const pkiJson = JSON.stringify(p);

  const plainRuns: Figures[] = [];
  const modemRuns: Figures[] = [];
  for (let i = 0; i < PAIRS; i++) {
    if (i % 2 === 0) {
      plainRuns.push(await runChild('plain', pkiJson, port));
      modemRuns.push(await runChild('modem', pkiJson, port));
    } else {
      modemRuns.push(await runChild('modem', pkiJson, port));
      plainRuns.push(await runChild('plain', pkiJson, port));
    }
  }
  await worker.terminate();

  const median = (xs: number[]): number => {
    const v = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  };
  const round = (x: number): number => Math.round(x * 10) / 10;
  const compare = (key: keyof Omit<Figures, 'resumed' | 'downloadRecv'>) => ({
    node_tls: round(median(plainRuns.map((f) => f[key]))),
    modem: round(median(modemRuns.map((f) => f[key]))),
    overhead_percent: round(
      (1 - median(modemRuns.map((m, i) => m[key] / (plainRuns[i] as Figures)[key]))) * 100,
    ),
  });
  if (!compiled) {
    process.stderr.write(
      'bench/sockets: running through a TypeScript loader; for figures comparable with the docs run\n' +
        '  npm run build:bench && node dist/bench/sockets.js\n',
    );
  }
  console.log(
    JSON.stringify(
      {
        bench: 'sockets',
        runtime: compiled ? 'compiled' : 'typescript-loader',
        link: 'ideal',
        tls: 'TLSv1.2, server records ≤ 2048 bytes, mutual TLS with P-256',
        pairs: PAIRS,
        seconds_per_rate: SECONDS,
        bulk_bytes: BYTES,
        handshakes_per_s: {
          ...compare('handshake'),
          modem_resumed: round(median(modemRuns.map((f) => f.resumed ?? 0))),
        },
        download_MB_per_s: compare('download'),
        download_with_recv_MB_per_s: {
          modem: round(median(modemRuns.map((f) => f.downloadRecv ?? 0))),
          overhead_percent: round(
            (1 -
              median(modemRuns.map((m, i) => (m.downloadRecv ?? 0) / (plainRuns[i] as Figures).download))) *
              100,
          ),
        },
        upload_2k_sends_MB_per_s: compare('upload2k'),
        upload_16k_sends_MB_per_s: compare('upload16k'),
        goal_overhead_percent: 15,
      },
      null,
      2,
    ),
  );
}

const job = process.env.BENCH_TRIAL;
if (job) {
  const { kind, port, pki: p } = JSON.parse(job) as { kind: 'plain' | 'modem'; port: number; pki: Pki };
  console.log(JSON.stringify(await trial(kind, p, port)));
  process.exit(0);
} else {
  await main();
}
