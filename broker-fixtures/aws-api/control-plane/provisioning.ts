import { X509Certificate } from 'node:crypto';
import type { CaRecord, ProvisioningTemplateRecord } from '../../registry/types.js';
import { isObject } from '../../services/shadow/json.js';
import { AwsError, invalidRequest, notFound } from '../aws-error.js';
import { arn, booleanQuery, page, seconds, stringField, type AwsApiContext } from '../aws-context.js';
import type { AwsRoute } from '../aws-router.js';

/** DescribeEndpoint, provisioning templates (fleet provisioning, JITP) and CA certificates. */

const ENDPOINT_TYPES = ['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs'];

/** `abc-ats.iot.eu-west-1.amazonaws.com` → `abc.jobs.iot.eu-west-1.amazonaws.com` (AWS's naming). */
function endpointOfType(dataAts: string, type: string): string {
  if (type === 'iot:Data' || type === 'iot:Data-ATS') return dataAts;
  const m = /^([^.]+?)(?:-ats)?\.iot\.(.+)$/.exec(dataAts);
  if (!m) return dataAts;
  return `${m[1]}.${type === 'iot:Jobs' ? 'jobs' : 'credentials'}.iot.${m[2]}`;
}

export function provisioningRoutes(ctx: AwsApiContext): AwsRoute[] {
  const registry = () => ctx.service.registry;
  const templateArn = (name: string): string => arn(ctx, `provisioningtemplate/${name}`);
  const caArn = (id: string): string => arn(ctx, `cacert/${id}`);
  const templateView = (t: ProvisioningTemplateRecord) => ({
    templateArn: templateArn(t.templateName),
    templateName: t.templateName,
    creationDate: seconds(t.creationDate),
    lastModifiedDate: seconds(t.creationDate),
    enabled: t.enabled,
    type: 'FLEET_PROVISIONING',
  });
  const requireCa = async (id: string): Promise<CaRecord> => {
    const ca = (await registry().listCas()).find((c) => c.caCertificateId === id);
    if (!ca) throw notFound(`CA certificate ${id} does not exist`);
    return ca;
  };
  return [
    {
      api: 'iot',
      method: 'GET',
      path: '/endpoint',
      operation: 'DescribeEndpoint',
      handler: async (req) => {
        const type = req.query.get('endpointType') ?? 'iot:Data';
        if (!ENDPOINT_TYPES.includes(type)) throw invalidRequest(`Endpoint type ${type} is not valid.`);
        return { json: { endpointAddress: endpointOfType(ctx.service.config.endpoint, type) } };
      },
    },
    {
      api: 'iot',
      method: 'POST',
      path: '/provisioning-templates',
      operation: 'CreateProvisioningTemplate',
      handler: async (req) => {
        const body = req.json();
        const name = stringField(body, 'templateName', true);
        const templateBody = stringField(body, 'templateBody', true);
        if (await registry().getTemplate(name))
          throw new AwsError(409, 'ResourceAlreadyExistsException', `Template ${name} already exists`);
        if (body.preProvisioningHook !== undefined)
          throw invalidRequest('pre-provisioning hooks (Lambda) are not supported by the stand-in');
        const t = await registry().createTemplate(name, templateBody, body.enabled === true);
        return {
          json: {
            templateArn: templateArn(t.templateName),
            templateName: t.templateName,
            defaultVersionId: 1,
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/provisioning-templates/{templateName}',
      operation: 'DescribeProvisioningTemplate',
      handler: async (req) => {
        const t = await registry().getTemplate(req.params.templateName ?? '');
        if (!t) throw notFound(`Template ${req.params.templateName ?? ''} does not exist`);
        return { json: { ...templateView(t), defaultVersionId: 1, templateBody: t.templateBody } };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/provisioning-templates',
      operation: 'ListProvisioningTemplates',
      handler: async (req) => {
        const { items, next } = page(await registry().listTemplates(), req.query);
        return { json: { templates: items.map(templateView), ...(next ? { nextToken: next } : {}) } };
      },
    },
    {
      api: 'iot',
      method: 'POST',
      path: '/cacertificate',
      operation: 'RegisterCACertificate',
      handler: async (req) => {
        const body = req.json();
        const pem = stringField(body, 'caCertificate', true);
        let templateName: string | undefined;
        const config = body.registrationConfig;
        if (isObject(config)) {
          templateName = stringField(config, 'templateName');
          const inline = stringField(config, 'templateBody');
          if (!templateName && inline) {
            // JITP with the template in the registration: kept as a template named after the CA.
            const id = new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
            templateName = `jitp-${id.slice(0, 16)}`;
            await registry().createTemplate(templateName, inline, true);
          }
        }
        if (!booleanQuery(req.query, 'setAsActive', false))
          throw invalidRequest('the stand-in registers CA certificates ACTIVE only; pass setAsActive=true');
        const ca = await registry().registerCa(pem, templateName);
        return { json: { certificateArn: caArn(ca.caCertificateId), certificateId: ca.caCertificateId } };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/cacertificates',
      operation: 'ListCACertificates',
      handler: async (req) => {
        const { items, next } = page(await registry().listCas(), req.query, {
          size: 'pageSize',
          token: 'marker',
        });
        return {
          json: {
            certificates: items.map((c) => ({
              certificateArn: caArn(c.caCertificateId),
              certificateId: c.caCertificateId,
              status: c.status,
              creationDate: seconds(c.creationDate),
            })),
            ...(next ? { nextMarker: next } : {}),
          },
        };
      },
    },
    {
      api: 'iot',
      method: 'GET',
      path: '/cacertificate/{certificateId}',
      operation: 'DescribeCACertificate',
      handler: async (req) => {
        const ca = await requireCa(req.params.certificateId ?? '');
        return {
          json: {
            certificateDescription: {
              certificateArn: caArn(ca.caCertificateId),
              certificateId: ca.caCertificateId,
              status: ca.status,
              certificatePem: ca.caCertificatePem,
              ownedBy: ctx.service.config.accountId,
              creationDate: seconds(ca.creationDate),
              autoRegistrationStatus: ca.provisioningTemplate ? 'ENABLE' : 'DISABLE',
              certificateMode: 'DEFAULT',
            },
            ...(ca.provisioningTemplate
              ? { registrationConfig: { templateName: ca.provisioningTemplate } }
              : {}),
          },
        };
      },
    },
  ];
}
