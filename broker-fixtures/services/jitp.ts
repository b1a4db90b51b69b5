import { X509Certificate } from 'node:crypto';
import { applyTemplate, certificateParameters, evaluateTemplate } from '../registry/provisioning-template.js';
import type { BrokerService, ServiceContext } from './service.js';

/**
 * Just-in-time provisioning (cloud-services.md §3.10): the first connection with an unknown
 * certificate signed by a registered CA that has a provisioning template runs the template (thing,
 * certificate, policy) and is dropped anyway; the device's next connection is accepted.
 */
export class JitpService implements BrokerService {
  readonly name = 'jitp';
  private ctx: ServiceContext | undefined;

  async start(context: ServiceContext): Promise<void> {
    this.ctx = context;
  }

  async onUnknownCertificate(cert: X509Certificate, certificateId: string): Promise<boolean> {
    const ctx = this.ctx;
    if (!ctx) return false;
    const { registry, log } = ctx;
    for (const ca of await registry.listCas()) {
      if (ca.status !== 'ACTIVE' || ca.provisioningTemplate === undefined) continue;
      const caCert = new X509Certificate(ca.caCertificatePem);
      if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) continue;
      const template = await registry.getTemplate(ca.provisioningTemplate);
      if (!template?.enabled) {
        log.add({
          type: 'jitp-failed',
          detail: `template ${ca.provisioningTemplate} is missing or disabled`,
        });
        return true;
      }
      try {
        const result = evaluateTemplate(
          template.templateBody,
          certificateParameters(cert.subject, certificateId),
        );
        // The certificate, its thing, policy and attachments in one commit.
        await registry.transaction(async (w) => {
          await w.registerCertificate(cert.toString(), 'PENDING_ACTIVATION', {
            caCertificateId: ca.caCertificateId,
          });
          await applyTemplate(w, template.templateName, result, certificateId);
        });
        log.add({
          type: 'jitp',
          thingName: result.thingName,
          detail: `certificate ${certificateId} provisioned by ${template.templateName}`,
        });
      } catch (err) {
        log.add({ type: 'jitp-failed', detail: `certificate ${certificateId}: ${(err as Error).message}` });
      }
      return true;
    }
    return false;
  }
}
