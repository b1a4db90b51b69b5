import type { PolicyRecord } from '../../registry/types.js';
import { AwsError, notFound } from '../aws-error.js';
import { arn, page, seconds, stringField, type AwsApiContext } from '../aws-context.js';
import type { AwsRoute } from '../aws-router.js';
import { certificateIdFromArn } from './certificates.js';

/** Policies and their certificate targets (CreatePolicy … ListTargetsForPolicy). One version each. */
export function policyRoutes(ctx: AwsApiContext): AwsRoute[] {
  const registry = () => ctx.service.registry;
  const policyArn = (name: string): string => arn(ctx, `policy/${name}`);
  const nameOf = (params: Record<string, string>): string => params.policyName ?? '';
  const requirePolicy = async (name: string): Promise<PolicyRecord> => {
    const p = await registry().getPolicy(name);
    if (!p) throw notFound(`Policy ${name} does not exist`);
    return p;
  };
  const summary = (p: PolicyRecord) => ({ policyName: p.policyName, policyArn: policyArn(p.policyName) });
  return [
    {
      api: 'iot',
      method: 'POST',
      path: '/policies/{policyName}',
      operation: 'CreatePolicy',
      handler: async (req) => {
        const document = stringField(req.json(), 'policyDocument', true);
        const name = nameOf(req.params);
        if (await registry().getPolicy(name))
          throw new AwsError(409, 'ResourceAlreadyExistsException', `Policy ${name} already exists`);
        const p = await registry().createPolicy(name, document);
        return { json: { ...summary(p), policyDocument: p.policyDocument, policyVersionId: '1' } };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/policies/{policyName}',
      operation: 'GetPolicy',
      handler: async (req) => {
        const p = await requirePolicy(nameOf(req.params));
        return {
          json: {
            ...summary(p),
            policyDocument: p.policyDocument,
            defaultVersionId: '1',
            creationDate: seconds(p.creationDate),
            lastModifiedDate: seconds(p.creationDate),
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/policies',
      operation: 'ListPolicies',
      handler: async (req) => {
        const all = (await registry().listPolicies()).sort((a, b) =>
          a.policyName.localeCompare(b.policyName),
        );
        const { items, next } = page(all, req.query, { size: 'pageSize', token: 'marker' });
        return { json: { policies: items.map(summary), ...(next ? { nextMarker: next } : {}) } };
      },
    },
    {
      api: 'iot',
      method: 'DELETE',
      path: '/policies/{policyName}',
      operation: 'DeletePolicy',
      conflict: 'DeleteConflictException',
      handler: async (req) => {
        await registry().deletePolicy(nameOf(req.params));
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'PUT',
      path: '/target-policies/{policyName}',
      operation: 'AttachPolicy',
      handler: async (req) => {
        const target = certificateIdFromArn(stringField(req.json(), 'target', true));
        await registry().attachPolicy(nameOf(req.params), target);
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'POST',
      path: '/target-policies/{policyName}',
      operation: 'DetachPolicy',
      handler: async (req) => {
        const target = certificateIdFromArn(stringField(req.json(), 'target', true));
        await requirePolicy(nameOf(req.params));
        await registry().detachPolicy(nameOf(req.params), target);
        return { json: {} };
      },
    },
    {
      api: 'iot',
      method: 'POST',
      path: '/attached-policies/{target}',
      operation: 'ListAttachedPolicies',
      handler: async (req) => {
        const id = certificateIdFromArn(req.params.target ?? '');
        const cert = await registry().getCertificate(id);
        if (!cert) throw notFound(`The certificate ${id} does not exist`);
        const { items, next } = page(cert.policies, req.query, { size: 'pageSize', token: 'marker' });
        return {
          json: {
            policies: items.map((name) => ({ policyName: name, policyArn: policyArn(name) })),
            ...(next ? { nextMarker: next } : {}),
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'POST',
      path: '/policy-targets/{policyName}',
      operation: 'ListTargetsForPolicy',
      handler: async (req) => {
        const name = nameOf(req.params);
        await requirePolicy(name);
        const holders = (await registry().listCertificates()).filter((c) => c.policies.includes(name));
        const { items, next } = page(holders, req.query, { size: 'pageSize', token: 'marker' });
        return {
          json: {
            targets: items.map((c) => arn(ctx, `cert/${c.certificateId}`)),
            ...(next ? { nextMarker: next } : {}),
          },
        };
      },
    },
  ];
}
