import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { ErrorCode, SimError } from '../../core/errors.js';
import { buildAppImage } from '../../firmware/image/app-image.js';
import { inspectImage, type ImageReport } from '../../firmware/image/inspect.js';
import { generateSigningKey, keyHash } from '../../firmware/image/keys.js';
import { builtInApps } from '../../firmware/apps/built-in.js';
import { buildModemDelta } from '../../firmware/image/modem-delta.js';
import { EXIT_FAILURE, Output, reportError } from '../output.js';

interface BuildOptions {
  app: string;
  version: string;
  sign?: string;
  config?: string;
  size?: string;
  headerSize?: string;
  securityCounter?: string;
  banner?: string[];
  output: string;
  json?: boolean;
}

function integer(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `${what} ${text}: not a whole number`);
  return n;
}

/** `--config` takes inline JSON (`{"a":1}`) or the path of a JSON file. */
async function readConfig(text: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (text === undefined) return undefined;
  const source = text.trim().startsWith('{') ? text : await fs.readFile(text, 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, `--config: not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimError(ErrorCode.INVALID_ARGUMENT, '--config must be a JSON object');
  }
  return value as Record<string, unknown>;
}

async function run(json: boolean | undefined, fn: (out: Output) => Promise<void>): Promise<void> {
  const out = new Output(json === true);
  try {
    await fn(out);
  } catch (err) {
    reportError(err, out.json);
    process.exitCode = EXIT_FAILURE;
  }
}

function printReport(file: string, r: ImageReport): void {
  const lines = [`${file}: ${r.type === 'none' ? 'not a firmware image' : r.type} (${r.fileSize} bytes)`];
  if (r.header) {
    const h = r.header;
    lines.push(
      `  version         ${h.version}`,
      `  header          magic ${h.magic}, hdr_size 0x${h.headerSize.toString(16)}, img_size ${h.imageSize}, protected TLVs ${h.protectedTlvSize}, load_addr ${h.loadAddress}, flags ${h.flags.join('|') || 'none'}`,
    );
    for (const t of r.tlvs ?? []) {
      const shown = t.length > 40 ? `${t.value.slice(0, 64)}…` : t.value;
      lines.push(
        `  TLV ${t.protected ? '(protected) ' : ''}${t.type} (0x${t.code.toString(16)}) len ${t.length}: ${shown}`,
      );
    }
    lines.push(
      `  hash            ${r.hash?.valid ? 'valid' : 'INVALID'}`,
      `  signature       ${r.signature?.status}`,
    );
  }
  if (r.manifest) {
    lines.push(
      `  app             ${r.manifest.app} ${r.manifest.version}`,
      `  config          ${JSON.stringify(r.manifest.config)}`,
      ...(r.manifest.banner ? [`  banner          ${JSON.stringify(r.manifest.banner)}`] : []),
    );
  }
  if (r.modemDelta) {
    lines.push(`  modem firmware  ${r.modemDelta.from ?? '(any)'} -> ${r.modemDelta.to}`);
  }
  for (const p of r.problems) lines.push(`  problem         ${p.code}: ${p.message}`);
  lines.push(r.valid ? '  result          valid' : '  result          INVALID');
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerImage(program: Command): Command {
  const image = program.command('image').description('build and inspect MCUboot firmware images');

  image
    .command('build')
    .description(
      'build an application image (header, manifest body, SHA-256 and optional ECDSA-P256 signature TLVs)',
    )
    .requiredOption('--app <name>', `sample application (${builtInApps().names().join(', ')})`)
    .requiredOption('--version <version>', 'image version major.minor.revision[+build], e.g. 1.0.1')
    .option('--sign <key.pem>', 'sign with this ECDSA P-256 private key (imgtool sign -k)')
    .option('--config <json|file>', 'application configuration: inline JSON object or a JSON file')
    .option('--size <bytes>', 'pad the body to this many bytes (realistic download sizes)')
    .option('--header-size <bytes>', 'ih_hdr_size (default 512, as NCS builds)')
    .option('--security-counter <n>', 'add a protected SEC_CNT TLV')
    .option(
      '--banner <line>',
      'a line the image prints on the UART at boot, instead of the kernel and sample lines (repeat for more)',
      (line: string, lines: string[] = []) => [...lines, line],
    )
    .requiredOption('-o, --output <file>', 'where to write the image, e.g. app_update.bin')
    .option('--json', 'print one JSON object')
    .action((o: BuildOptions) =>
      run(o.json, async (out) => {
        const signingKey = o.sign !== undefined ? await fs.readFile(o.sign, 'utf8') : undefined;
        const size = integer(o.size, '--size');
        const headerSize = integer(o.headerSize, '--header-size');
        const securityCounter = integer(o.securityCounter, '--security-counter');
        const config = await readConfig(o.config);
        const bytes = buildAppImage({
          app: o.app,
          version: o.version,
          ...(config ? { config } : {}),
          ...(size !== undefined ? { size } : {}),
          ...(headerSize !== undefined ? { headerSize } : {}),
          ...(securityCounter !== undefined ? { securityCounter } : {}),
          ...(signingKey !== undefined ? { signingKey } : {}),
          ...(o.banner ? { banner: o.banner } : {}),
        });
        await writeFileAtomic(o.output, bytes);
        const known = builtInApps().has(o.app);
        out.event(
          'image',
          {
            file: o.output,
            size: bytes.length,
            app: o.app,
            version: o.version,
            signed: signingKey !== undefined,
            ...(signingKey !== undefined ? { keyHash: keyHash(signingKey).toString('hex') } : {}),
          },
          `wrote ${o.output}: ${o.app} ${o.version}, ${bytes.length} bytes, ${signingKey ? 'signed (ECDSA-P256)' : 'unsigned'}${known ? '' : ` (note: ${o.app} is not a sample the simulator runs)`}`,
        );
      }),
    );

  image
    .command('info <file>')
    .description('show header, TLVs, manifest and validity; exits 1 when the image is corrupt')
    .option('--key <pem...>', 'check the signature against these public (or private) keys')
    .option('--json', 'print one JSON object')
    .action((file: string, o: { key?: string[]; json?: boolean }) =>
      run(o.json, async (out) => {
        const bytes = await fs.readFile(file);
        const keys = await Promise.all((o.key ?? []).map((k) => fs.readFile(k, 'utf8')));
        const report = inspectImage(bytes, { keys });
        if (out.json) process.stdout.write(`${JSON.stringify({ file, ...report })}\n`);
        else printReport(file, report);
        if (!report.valid) process.exitCode = EXIT_FAILURE;
      }),
    );

  image
    .command('keygen')
    .description('create an ECDSA P-256 signing key (like imgtool keygen -t ecdsa-p256)')
    .requiredOption('-o, --output <key.pem>', 'private key file (PKCS#8 PEM)')
    .option('--public <pub.pem>', 'also write the public key (the bootloader key) here')
    .option('--json', 'print one JSON object')
    .action((o: { output: string; public?: string; json?: boolean }) =>
      run(o.json, async (out) => {
        const pair = generateSigningKey();
        await writeFileAtomic(o.output, pair.privateKeyPem, 0o600);
        if (o.public) await writeFileAtomic(o.public, pair.publicKeyPem);
        const hash = keyHash(pair.publicKeyPem).toString('hex');
        out.event(
          'key',
          { file: o.output, public: o.public ?? null, keyHash: hash },
          `wrote ${o.output} (key hash ${hash})`,
        );
      }),
    );

  image
    .command('modem-delta')
    .description('build a modem delta update image that changes the modem firmware version (+CGMR)')
    .requiredOption('--to <version>', 'modem firmware after the update, e.g. mfw_nrf9160_1.3.6')
    .option('--from <version>', 'the only modem firmware the delta applies to (default: any)')
    .option('--size <bytes>', 'total image size')
    .requiredOption('-o, --output <file>', 'where to write the image')
    .option('--json', 'print one JSON object')
    .action((o: { to: string; from?: string; size?: string; output: string; json?: boolean }) =>
      run(o.json, async (out) => {
        const size = integer(o.size, '--size');
        const bytes = buildModemDelta({
          to: o.to,
          from: o.from ?? null,
          ...(size !== undefined ? { size } : {}),
        });
        await writeFileAtomic(o.output, bytes);
        out.event(
          'image',
          { file: o.output, size: bytes.length, type: 'modem-delta', from: o.from ?? null, to: o.to },
          `wrote ${o.output}: modem delta ${o.from ?? '(any)'} -> ${o.to}, ${bytes.length} bytes`,
        );
      }),
    );
  return image;
}
