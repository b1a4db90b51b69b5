import type { Aedes, Client } from 'aedes';
import type { EventLog } from '../event-log.js';

/**
 * How the nRF Cloud services reach devices: publishes into the nRF Cloud broker (nothing when it
 * is not serving, e.g. the CLI working on the state files) and closing a device's connection.
 */
export class NrfCloudBus {
  private aedes: Aedes | undefined;
  private readonly clients = new Map<string, Client>();

  constructor(private readonly log: EventLog) {}

  attach(aedes: Aedes): void {
    this.aedes = aedes;
    aedes.on('client', (client) => this.clients.set(client.id, client));
    aedes.on('clientDisconnect', (client) => {
      if (this.clients.get(client.id) === client) this.clients.delete(client.id);
    });
  }

  get serving(): boolean {
    return this.aedes !== undefined && !this.aedes.closed;
  }

  connected(clientId: string): boolean {
    const c = this.clients.get(clientId);
    return c !== undefined && !c.closed;
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 1): Promise<void> {
    const aedes = this.aedes;
    if (!aedes || aedes.closed) return Promise.resolve();
    return new Promise((resolve) => {
      aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
          qos,
          retain: false,
          dup: false,
        },
        (err) => {
          if (err) this.log.add({ type: 'nrfcloud-publish-failed', detail: `${topic}: ${err.message}` });
          resolve();
        },
      );
    });
  }

  /** Closes the device's connection, if it has one. */
  disconnect(clientId: string): boolean {
    const client = this.clients.get(clientId);
    if (!client || client.closed) return false;
    client.close();
    return true;
  }
}
