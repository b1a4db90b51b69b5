import { ErrorCode, SimError } from '../../core/errors.js';
import type { RegistryWriter } from './registry-writer.js';

/** What running a provisioning template decided (RegisterThing). */
export interface TemplateResult {
  thingName: string;
  attributes: Record<string, string>;
  certificateStatus: 'ACTIVE' | 'INACTIVE';
  /** An existing policy to attach, or an inline document to create. */
  policyName?: string;
  policyDocument?: string;
  deviceConfiguration: Record<string, string>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function fail(message: string): SimError {
  return new SimError(ErrorCode.INVALID_ARGUMENT, message);
}

function resolve(value: Json, params: Record<string, string>): Json {
  if (Array.isArray(value)) return value.map((v) => resolve(v, params));
  if (value === null || typeof value !== 'object') return value;
  if ('Ref' in value && typeof value.Ref === 'string') {
    const v = params[value.Ref];
    if (v === undefined) throw fail(`template parameter ${value.Ref} has no value`);
    return v;
  }
  if ('Fn::Join' in value && Array.isArray(value['Fn::Join'])) {
    const [sep, parts] = value['Fn::Join'];
    if (typeof sep !== 'string' || !Array.isArray(parts)) throw fail('Fn::Join takes [separator, [values]]');
    return parts.map((p) => String(resolve(p, params))).join(sep);
  }
  if ('Fn::Sub' in value && typeof value['Fn::Sub'] === 'string') {
    return value['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
      const v = params[name];
      if (v === undefined) throw fail(`template parameter ${name} has no value`);
      return v;
    });
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, params)]));
}

function stringMap(value: Json | undefined): Record<string, string> {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

/**
 * Evaluates an AWS provisioning template (the subset devices meet: `Parameters` with `Default`,
 * `Ref`, `Fn::Join`, `Fn::Sub`; one `AWS::IoT::Thing`, `AWS::IoT::Certificate` and
 * `AWS::IoT::Policy` resource; `DeviceConfiguration`). A parameter without a value fails, as on AWS.
 */
export function evaluateTemplate(templateBody: string, supplied: Record<string, string>): TemplateResult {
  let body: {
    Parameters?: Record<string, { Default?: string }>;
    Resources?: Record<string, Json>;
    DeviceConfiguration?: Json;
  };
  try {
    body = JSON.parse(templateBody) as typeof body;
  } catch (err) {
    throw fail(`the template is not JSON: ${(err as Error).message}`);
  }
  const params: Record<string, string> = { ...supplied };
  for (const [name, decl] of Object.entries(body.Parameters ?? {})) {
    if (params[name] === undefined && decl.Default !== undefined) params[name] = decl.Default;
    if (params[name] === undefined) throw fail(`template parameter ${name} has no value`);
  }
  const resources = Object.values(body.Resources ?? {}).map((r) => resolve(r, params)) as Array<{
    Type?: string;
    Properties?: Record<string, Json>;
  }>;
  const thing = resources.find((r) => r.Type === 'AWS::IoT::Thing')?.Properties;
  const cert = resources.find((r) => r.Type === 'AWS::IoT::Certificate')?.Properties;
  const policy = resources.find((r) => r.Type === 'AWS::IoT::Policy')?.Properties;
  const thingName = thing?.ThingName;
  if (typeof thingName !== 'string' || thingName === '')
    throw fail('the template defines no AWS::IoT::Thing with a ThingName');
  const result: TemplateResult = {
    thingName,
    attributes: stringMap(thing?.AttributePayload),
    certificateStatus: cert?.Status === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
    deviceConfiguration: stringMap(
      body.DeviceConfiguration === undefined ? undefined : resolve(body.DeviceConfiguration, params),
    ),
  };
  if (typeof policy?.PolicyName === 'string') result.policyName = policy.PolicyName;
  else if (policy?.PolicyDocument !== undefined) {
    result.policyDocument =
      typeof policy.PolicyDocument === 'string'
        ? policy.PolicyDocument
        : JSON.stringify(policy.PolicyDocument);
  }
  return result;
}

/**
 * Creates what a template decided: the thing, the certificate's status, the policy and attachments,
 * within the caller's registry transaction (so all of it is committed together).
 */
export async function applyTemplate(
  registry: RegistryWriter,
  templateName: string,
  result: TemplateResult,
  certificateId: string,
): Promise<void> {
  const thing = await registry.createThing(result.thingName, result.attributes);
  let policyName = result.policyName;
  if (policyName === undefined && result.policyDocument !== undefined) {
    policyName = `${templateName}-policy`;
    await registry.createPolicy(policyName, result.policyDocument);
  }
  await registry.updateCertificate(certificateId, {
    status: result.certificateStatus,
    ownershipToken: undefined,
  });
  if (policyName !== undefined) await registry.attachPolicy(policyName, certificateId);
  await registry.attachThingPrincipal(thing.thingName, certificateId);
}

/** JITP parameters AWS fills from the device certificate's subject. */
export function certificateParameters(subject: string, certificateId: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of subject.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1);
  }
  const map: Record<string, string> = {
    CN: 'CommonName',
    C: 'Country',
    O: 'Organization',
    OU: 'OrganizationalUnit',
    ST: 'StateName',
    L: 'Locality',
    serialNumber: 'SerialNumber',
    dnQualifier: 'DistinguishedNameQualifier',
  };
  const params: Record<string, string> = { 'AWS::IoT::Certificate::Id': certificateId };
  for (const [short, long] of Object.entries(map)) {
    const v = fields[short];
    if (v !== undefined) params[`AWS::IoT::Certificate::${long}`] = v;
  }
  return params;
}
