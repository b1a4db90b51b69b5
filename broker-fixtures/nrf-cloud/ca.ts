import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../core/clock.js';
import { secureRandomBytes } from '../../core/secure-random.js';
import { makeDirectory } from '../../core/state-dir.js';
import type { ClusterParts } from '../cluster/redis-cluster.js';
import { CertificateAuthority } from '../pki/certificate-authority.js';

/** The PEM pair of the local nRF Cloud CA: what `--provision nrf-cloud` issues device certificates from. */
export interface NrfCloudCaPem {
  certPem: string;
  keyPem: string;
}

const CA_NAME = 'nrf91sim local nRF Cloud CA';

/** `<stateDir>/nrf-cloud/ca/`, holding `ca.crt` and `ca.key` (0600). */
export function nrfCloudCaDir(stateDir: string): string {
  return path.join(stateDir, 'nrf-cloud', 'ca');
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The nRF Cloud stand-in's CA, created on first use. Creation happens in a private folder that is
 * then renamed into place, so two processes creating it at once (a broker and `device boot
 * --provision nrf-cloud`) end up with the same CA: the loser of the rename loads the winner's.
 */
export async function openNrfCloudCa(stateDir: string, clock: Clock): Promise<CertificateAuthority> {
  const dir = nrfCloudCaDir(stateDir);
  if (await exists(path.join(dir, 'ca.crt'))) return CertificateAuthority.loadOrCreate(dir, CA_NAME, clock);
  const parent = path.dirname(dir);
  await makeDirectory(parent);
  const scratch = path.join(parent, `.ca-${secureRandomBytes(6).toString('hex')}`);
  await CertificateAuthority.loadOrCreate(scratch, CA_NAME, clock);
  try {
    await fs.rename(scratch, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
  return CertificateAuthority.loadOrCreate(dir, CA_NAME, clock);
}

/**
 * A cluster node's nRF Cloud CA: the cluster's (in Redis, made by the first node to start),
 * written into `<stateDir>/nrf-cloud/ca/` like the embedded one, so `--provision nrf-cloud` with
 * any node's state directory issues certificates every node trusts.
 */
export function openClusterNrfCloudCa(
  stateDir: string,
  clock: Clock,
  cluster: ClusterParts,
): Promise<CertificateAuthority> {
  return cluster.certificateAuthority(nrfCloudCaDir(stateDir), CA_NAME, clock, 'nrfcloud-ca');
}

/**
 * The CA's certificate and private key as PEM text (created on first use in
 * `<stateDir>/nrf-cloud/ca/`). Device certificates it signs, with the client id as common name,
 * are the ones the nRF Cloud stand-in trusts.
 */
export async function loadNrfCloudCa(stateDir: string, clock: Clock): Promise<NrfCloudCaPem> {
  const ca = await openNrfCloudCa(stateDir, clock);
  const keyPem = await fs.readFile(path.join(nrfCloudCaDir(stateDir), 'ca.key'), 'utf8');
  return { certPem: ca.certificatePem, keyPem };
}
