import { Random } from '../../core/random.js';
import { systemClock } from '../../core/clock.js';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSimError } from '../../core/errors.js';
import { openBrokerState, S3Server } from '../../broker-fixtures/index.js';
import { runCli, startCli } from '../helpers/cli.js';
import { startStandIn, tempStateDir } from './broker-helpers.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await tempStateDir();
  dirs.push(d);
  return d;
}
const ports = ['--port', '0', '--alpn-port', '0', '--api-port', '0', '--no-s3', '--json'];

describe('one broker per state directory', () => {
  it('refuses a second stand-in on the same state with NRF91SIM_STATE_IN_USE, and frees it on close', async () => {
    const stateDir = await temp();
    const first = await startStandIn({ stateDir });
    const err = await openBrokerState({ clock: systemClock, random: new Random('broker'), stateDir }).catch(
      (e: unknown) => e,
    );
    expect(isSimError(err, 'NRF91SIM_STATE_IN_USE')).toBe(true);
    expect((err as Error).message).toContain(`process ${process.pid}`);
    // The same directory by another path is the same lock.
    const link = path.join(await temp(), 'link');
    await fs.symlink(stateDir, link);
    expect(
      isSimError(
        await openBrokerState({ clock: systemClock, random: new Random('broker'), stateDir: link }).catch(
          (e: unknown) => e,
        ),
        'NRF91SIM_STATE_IN_USE',
      ),
    ).toBe(true);
    await first.stop(true);
    const again = await openBrokerState({ clock: systemClock, random: new Random('broker'), stateDir });
    await again.close();
  });

  it('refuses a second nrf91sim broker, and a broker killed with SIGKILL does not block a restart', async () => {
    const state = await temp();
    const first = startCli(['broker', '--state', state, ...ports]);
    await first.nextEvent('ready');
    const second = await runCli(['broker', '--state', state, ...ports]);
    expect(second.code).toBe(1);
    expect(JSON.parse(second.stdout.trim())).toMatchObject({ event: 'error', code: 'NRF91SIM_STATE_IN_USE' });
    await first.stop('SIGKILL');
    const third = startCli(['broker', '--state', state, ...ports]);
    await third.nextEvent('ready');
    await third.stop();
  });
});

describe('an unusable state directory', () => {
  it('fails at once with NRF91SIM_PATH_UNWRITABLE (under /proc, under a file)', async () => {
    const file = path.join(await temp(), 'plain-file');
    await fs.writeFile(file, 'x');
    for (const state of ['/proc/nrf91sim-state', path.join(file, 'state'), '/proc/self/nope']) {
      const r = await runCli(['broker', '--state', state, ...ports]);
      expect(r.code, state).toBe(1);
      expect(JSON.parse(r.stdout.trim()), state).toMatchObject({
        event: 'error',
        code: 'NRF91SIM_PATH_UNWRITABLE',
      });
    }
  });
});

describe('what a crash leaves behind', () => {
  it('removes temporary files of interrupted atomic writes at start; private keys are 0600', async () => {
    const stateDir = await temp();
    const s = await startStandIn({ stateDir, s3: { httpPort: 0, httpsPort: 0 } });
    await s.stop(true);
    const leftovers = [
      path.join(stateDir, 'broker', '.state.json.0123456789ab.tmp'),
      path.join(stateDir, 'broker', 'ca', '.ca.key.a1b2c3d4e5f6.tmp'),
    ];
    for (const f of leftovers) await fs.writeFile(f, '-----BEGIN PRIVATE KEY-----', { mode: 0o600 });
    const old = path.join(stateDir, 's3', 'tls', '.server-key.pem.ffffffffffff.tmp');
    await fs.writeFile(old, 'key');
    await fs.utimes(old, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    const again = await startStandIn({ stateDir, s3: { httpPort: 0, httpsPort: 0 } });
    for (const f of [...leftovers, old]) await expect(fs.stat(f), f).rejects.toThrow();
    expect(again.fixtures.log.recent({ type: 'state-recovered' }).map((e) => e.detail)).toHaveLength(2);
    await again.stop(true);
    for (const key of [
      'broker/ca/ca.key',
      's3/tls/ca-key.pem',
      's3/tls/server-key.pem',
      's3/credentials.json',
      'broker/journal.log',
    ]) {
      expect(((await fs.stat(path.join(stateDir, key))).mode & 0o777).toString(8), key).toBe('600');
    }
  });

  it('leaves a recent temporary file in the S3 folder alone (another process may be writing it)', async () => {
    const stateDir = await temp();
    await fs.mkdir(path.join(stateDir, 's3'), { recursive: true });
    const fresh = path.join(stateDir, 's3', '.credentials.json.0123456789ab.tmp');
    await fs.writeFile(fresh, '{}');
    const s3 = await S3Server.start({
      clock: systemClock,
      random: new Random('s3'),
      stateDir,
      httpsPort: null,
    });
    await s3.close();
    expect((await fs.stat(fresh)).isFile()).toBe(true);
  });
});
