import { X509Certificate } from 'node:crypto';
import type { CertificateRecord, CertificateStatus } from '../../registry/types.js';
import { AwsError, invalidRequest, notFound } from '../aws-error.js';
import { arn, booleanQuery, page, seconds, stringField, type AwsApiContext } from '../aws-context.js';
import type { AwsRoute } from '../aws-router.js';
import { generateRsaKeyPair } from '../rsa-keys.js';

/** Certificates (CreateKeysAndCertificate, CreateCertificateFromCsr, RegisterCertificate, Update/Describe/List/Delete). */

const NEW_STATUSES: readonly CertificateStatus[] = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_ACTIVATION'];

export function certificateIdFromArn(text: string): string {
  const m = /^arn:aws:iot:[a-z0-9-]+:\d{12}:cert\/([0-9a-f]{64})$/.exec(text);
  if (m?.[1]) return m[1];
  if (/^[0-9a-f]{64}$/.test(text)) return text;
  throw invalidRequest(`${text} is not a certificate ARN (only certificates can be policy targets here)`);
}

export function certificateRoutes(ctx: AwsApiContext): AwsRoute[] {
  const registry = () => ctx.service.registry;
  const certArn = (id: string): string => arn(ctx, `cert/${id}`);
  const idOf = (params: Record<string, string>): string => params.certificateId ?? '';
  const requireCert = async (id: string): Promise<CertificateRecord> => {
    const c = await registry().getCertificate(id);
    if (!c) throw notFound(`The certificate ${id} does not exist`);
    return c;
  };
  const issued = (c: CertificateRecord) => ({
    certificateArn: certArn(c.certificateId),
    certificateId: c.certificateId,
    certificatePem: c.certificatePem,
  });
  return [
    {
      api: 'iot',
      method: 'POST',
      path: '/keys-and-certificate',
      operation: 'CreateKeysAndCertificate',
      handler: async (req) => {
        const active = booleanQuery(req.query, 'setAsActive', false);
        const keys = await generateRsaKeyPair();
        const cert = await ctx.service.ca.issue({
          commonName: 'AWS IoT Certificate',
          publicKey: keys.publicKey,
        });
        const record = await registry().registerCertificate(
          cert.certificatePem,
          active ? 'ACTIVE' : 'INACTIVE',
        );
        return {
          json: {
            ...issued(record),
            keyPair: { PublicKey: keys.publicKeyPem, PrivateKey: keys.privateKeyPem },
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'POST',
      path: '/certificates',
      operation: 'CreateCertificateFromCsr',
      handler: async (req) => {
        const csr = stringField(req.json(), 'certificateSigningRequest', true);
        const active = booleanQuery(req.query, 'setAsActive', false);
        const cert = await ctx.service.ca.signCsr(csr);
        const record = await registry().registerCertificate(
          cert.certificatePem,
          active ? 'ACTIVE' : 'INACTIVE',
        );
        return { json: issued(record) };
      },
    },
    {
      api: 'iot',
      method: 'POST',
      path: '/certificate/register',
      operation: 'RegisterCertificate',
      handler: async (req) => {
        const body = req.json();
        const pem = stringField(body, 'certificatePem', true);
        const status =
          stringField(body, 'status') ??
          (booleanQuery(req.query, 'setAsActive', false) ? 'ACTIVE' : 'INACTIVE');
        if (!NEW_STATUSES.includes(status as CertificateStatus))
          throw invalidRequest(`status ${status} is not valid`);
        const caPem = stringField(body, 'caCertificatePem');
        const caCertificateId = caPem
          ? new X509Certificate(caPem).fingerprint256.replace(/:/g, '').toLowerCase()
          : undefined;
        const record = await registry().registerCertificate(
          pem,
          status as CertificateStatus,
          caCertificateId ? { caCertificateId } : {},
        );
        return {
          json: { certificateArn: certArn(record.certificateId), certificateId: record.certificateId },
        };
      },
    },
    {
      api: 'iot',
      method: 'PUT',
      path: '/certificates/{certificateId}',
      operation: 'UpdateCertificate',
      conflict: 'CertificateStateException',
      handler: async (req) => {
        const id = idOf(req.params);
        const status = req.query.get('newStatus') as CertificateStatus | null;
        if (!status || !NEW_STATUSES.includes(status))
          throw invalidRequest(`newStatus must be one of ${NEW_STATUSES.join(', ')}`);
        const cert = await requireCert(id);
        if (cert.status === 'REVOKED' && status !== 'REVOKED')
          throw new AwsError(
            406,
            'CertificateStateException',
            `Certificate ${id} is revoked and cannot change status`,
          );
        await registry().updateCertificate(id, { status });
        // The registry change alone reaches a live connection on its next packet; AWS closes it now.
        if (status !== 'ACTIVE') ctx.dropConnections(id);
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/certificates/{certificateId}',
      operation: 'DescribeCertificate',
      handler: async (req) => {
        const c = await requireCert(idOf(req.params));
        const x = new X509Certificate(c.certificatePem);
        return {
          json: {
            certificateDescription: {
              ...issued(c),
              ...(c.caCertificateId ? { caCertificateId: c.caCertificateId } : {}),
              status: c.status,
              ownedBy: ctx.service.config.accountId,
              creationDate: seconds(c.creationDate),
              lastModifiedDate: seconds(c.creationDate),
              customerVersion: 1,
              validity: {
                notBefore: seconds(Date.parse(x.validFrom)),
                notAfter: seconds(Date.parse(x.validTo)),
              },
              certificateMode: 'DEFAULT',
            },
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/certificates',
      operation: 'ListCertificates',
      handler: async (req) => {
        const all = (await registry().listCertificates()).sort((a, b) => a.creationDate - b.creationDate);
        if (req.query.get('isAscendingOrder') !== 'true') all.reverse();
        const { items, next } = page(all, req.query, { size: 'pageSize', token: 'marker' });
        return {
          json: {
            certificates: items.map((c) => ({
              certificateArn: certArn(c.certificateId),
              certificateId: c.certificateId,
              status: c.status,
              certificateMode: 'DEFAULT',
              creationDate: seconds(c.creationDate),
            })),
            ...(next ? { nextMarker: next } : {}),
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'DELETE',
      path: '/certificates/{certificateId}',
      operation: 'DeleteCertificate',
      handler: async (req) => {
        const id = idOf(req.params);
        const c = await requireCert(id);
        if (c.status === 'ACTIVE')
          throw new AwsError(
            406,
            'CertificateStateException',
            'Certificate must be deactivated before deletion.',
          );
        const things = await registry().thingsOfCertificate(id);
        if (things.length)
          throw new AwsError(
            409,
            'DeleteConflictException',
            `Certificate ${id} is attached to thing ${things[0]}`,
          );
        if (c.policies.length && !booleanQuery(req.query, 'forceDelete', false))
          throw new AwsError(
            409,
            'DeleteConflictException',
            `Certificate ${id} has policies attached; detach them or use forceDelete`,
          );
        await registry().deleteCertificate(id);
        return { json: {} };
      },
    },
  ];
}
