import { MemoryCredentialBackend } from '../../modem/credentials/backend.js';
import { describeCredentialStore } from './credential-store-conformance.js';

// One backend object is the location: "reopening" reads it again, as a reboot of an in-process modem would.
describeCredentialStore('memory backend', async () => {
  const backend = new MemoryCredentialBackend();
  return { backend: () => backend };
});
