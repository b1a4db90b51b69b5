/** AWS IoT registry records, with AWS's field names. Timestamps are epoch milliseconds. */

export type CertificateStatus = 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_ACTIVATION';

export interface ThingRecord {
  thingName: string;
  attributes: Record<string, string>;
  version: number;
  /** Certificate ids attached to the thing (AttachThingPrincipal). */
  principals: string[];
  creationDate: number;
}

/** A static thing group: a named set of things that jobs can target. */
export interface ThingGroupRecord {
  thingGroupName: string;
  /** Names of the member things, in the order they were added. */
  things: string[];
  creationDate: number;
}

export interface CertificateRecord {
  certificateId: string;
  certificatePem: string;
  status: CertificateStatus;
  /** Id of the registered CA that signed it, when known. */
  caCertificateId?: string;
  /** Policies attached to the certificate (AttachPolicy). */
  policies: string[];
  creationDate: number;
  /** Fleet provisioning: proof that the holder received this certificate, valid one hour. */
  ownershipToken?: { token: string; expires: number };
}

export interface PolicyRecord {
  policyName: string;
  /** The JSON policy document, as text. */
  policyDocument: string;
  creationDate: number;
}

export interface CaRecord {
  caCertificateId: string;
  caCertificatePem: string;
  status: 'ACTIVE' | 'INACTIVE';
  /** JITP: the template run on the first connection of an unknown certificate signed by this CA. */
  provisioningTemplate?: string;
  creationDate: number;
}

export interface ProvisioningTemplateRecord {
  templateName: string;
  /** The template body (AWS provisioning template JSON), as text. */
  templateBody: string;
  enabled: boolean;
  creationDate: number;
}
