import type { X509Certificate } from 'node:crypto';
import { ErrorCode, SimError } from '../../core/errors.js';
import type { ApiRoute, BrokerService, InboundMessage, ServiceContext } from './service.js';

/** The services a stand-in runs, started in registration order and stopped in reverse. */
export class ServiceRegistry {
  private readonly services: BrokerService[] = [];

  add(service: BrokerService): this {
    if (this.services.some((s) => s.name === service.name)) {
      throw new SimError(ErrorCode.ALREADY_EXISTS, `a service named ${service.name} is already registered`);
    }
    this.services.push(service);
    return this;
  }

  get<T extends BrokerService>(name: string): T | undefined {
    return this.services.find((s) => s.name === name) as T | undefined;
  }

  names(): string[] {
    return this.services.map((s) => s.name);
  }

  async start(context: ServiceContext): Promise<void> {
    for (const service of this.services) await service.start(context);
  }

  async stop(): Promise<void> {
    for (const service of [...this.services].reverse()) await service.stop?.();
  }

  /** Every service's routes, tagged with the service name for the router. */
  routes(): Array<ApiRoute & { service: string }> {
    return this.services.flatMap((s) => (s.routes?.() ?? []).map((r) => ({ ...r, service: s.name })));
  }

  /** A device's publish, authorized and not yet acknowledged: each service may act on it first. */
  async beforeAcknowledge(message: InboundMessage): Promise<void> {
    for (const service of this.services) await service.beforeAcknowledge?.(message);
  }

  async unknownCertificate(cert: X509Certificate, certificateId: string): Promise<void> {
    for (const service of this.services) {
      if (await service.onUnknownCertificate?.(cert, certificateId)) return;
    }
  }
}
