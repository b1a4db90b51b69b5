import { spawnSync } from 'node:child_process';

/**
 * Tests that drive a system tool (a Debian package) check for it first. On a machine without it the
 * test is skipped with a one-line reason naming the package; with `NRF91SIM_REQUIRE_TOOLS=1` (set by
 * `.ci/run`, which installs them) a missing tool fails the run instead, so CI never skips silently.
 */
export interface SystemTool {
  /** What the tests run, e.g. `mosquitto_pub`. */
  readonly command: string;
  /** Arguments of a cheap probe that exits 0 when the tool works. */
  readonly probe: readonly string[];
  /** The Debian package that provides it. */
  readonly debianPackage: string;
}

export const tools = {
  pyserial: { command: '/usr/bin/python3', probe: ['-c', 'import serial'], debianPackage: 'python3-serial' },
  mosquittoPub: { command: 'mosquitto_pub', probe: ['--help'], debianPackage: 'mosquitto-clients' },
  mosquittoSub: { command: 'mosquitto_sub', probe: ['--help'], debianPackage: 'mosquitto-clients' },
  mosquitto: { command: 'mosquitto', probe: ['-h'], debianPackage: 'mosquitto' },
  socat: { command: 'socat', probe: ['-V'], debianPackage: 'socat' },
  curl: { command: 'curl', probe: ['--version'], debianPackage: 'curl' },
  // By path: a pip-installed AWS CLI v1 may come first on PATH; Debian's is v2.
  awscli: { command: '/usr/bin/aws', probe: ['--version'], debianPackage: 'awscli' },
  boto3: { command: '/usr/bin/python3', probe: ['-c', 'import boto3'], debianPackage: 'python3-boto3' },
  redisServer: { command: 'redis-server', probe: ['--version'], debianPackage: 'redis-server' },
} satisfies Record<string, SystemTool>;

const cache = new Map<string, boolean>();

function present(tool: SystemTool): boolean {
  // By command and probe: one interpreter answers for several packages (pyserial, boto3).
  const key = [tool.command, ...tool.probe].join('\0');
  const known = cache.get(key);
  if (known !== undefined) return known;
  const r = spawnSync(tool.command, tool.probe, { stdio: 'ignore', timeout: 10_000 });
  // mosquitto's `-h`/`--help` exit non-zero on some versions; a spawn error is what "absent" means.
  const ok = r.error === undefined && (r.status === 0 || tool.command.startsWith('mosquitto'));
  cache.set(key, ok);
  return ok;
}

/**
 * The reason to skip when one of `needed` is missing, or `undefined` when all are there. Throws when
 * `NRF91SIM_REQUIRE_TOOLS=1`, so a CI machine that lacks one fails loudly.
 */
export function missingTools(...needed: SystemTool[]): string | undefined {
  const absent = needed.filter((t) => !present(t));
  if (absent.length === 0) return undefined;
  const names = absent.map((t) => `${t.command} (Debian package ${t.debianPackage})`).join(', ');
  const reason = `needs ${names}; install it to run this test`;
  if (process.env.NRF91SIM_REQUIRE_TOOLS === '1') {
    throw new Error(`NRF91SIM_REQUIRE_TOOLS=1 but ${reason}`);
  }
  console.warn(`skipped: ${reason}`);
  return reason;
}
