import type { CaRecord, CertificateRecord, ThingGroupRecord, ThingRecord } from '../registry/types.js';
import type { ThingJobs } from '../services/jobs/job-types.js';
import type { StateStore } from '../store/store.js';

/**
 * What one record may point at must exist: a thing's certificates, a certificate's policies and CA,
 * a CA's provisioning template, a group's things, an execution's job. The registry and the jobs
 * service keep these true in every commit, so a dangling one means the files were damaged or edited.
 * Returns what dangles, or undefined.
 */
export async function findDanglingReference(store: StateStore): Promise<string | undefined> {
  const keys = async (c: Parameters<StateStore['list']>[0]): Promise<Set<string>> =>
    new Set((await store.list(c)).map(([k]) => k));
  const [certificates, policies, cas, templates, things, jobs] = await Promise.all([
    keys('certificates'),
    keys('policies'),
    keys('cas'),
    keys('templates'),
    keys('things'),
    keys('jobs'),
  ]);
  for (const [name, thing] of await store.list<ThingRecord>('things')) {
    const missing = thing.principals.find((id) => !certificates.has(id));
    if (missing) return `thing ${name} is attached to certificate ${missing}, which does not exist`;
  }
  for (const [id, cert] of await store.list<CertificateRecord>('certificates')) {
    const missing = cert.policies.find((p) => !policies.has(p));
    if (missing) return `certificate ${id} is attached to policy ${missing}, which does not exist`;
    if (cert.caCertificateId !== undefined && !cas.has(cert.caCertificateId))
      return `certificate ${id} names CA ${cert.caCertificateId}, which is not registered`;
  }
  for (const [id, ca] of await store.list<CaRecord>('cas')) {
    if (ca.provisioningTemplate !== undefined && !templates.has(ca.provisioningTemplate))
      return `CA ${id} names provisioning template ${ca.provisioningTemplate}, which does not exist`;
  }
  for (const [name, group] of await store.list<ThingGroupRecord>('thing-groups')) {
    const missing = group.things.find((t) => !things.has(t));
    if (missing) return `thing group ${name} lists thing ${missing}, which does not exist`;
  }
  for (const [thing, record] of await store.list<ThingJobs>('job-executions')) {
    const orphan = record.executions.find((e) => !jobs.has(e.jobId));
    if (orphan) return `thing ${thing} has an execution of job ${orphan.jobId}, which does not exist`;
  }
  return undefined;
}
