import { MemoryStore } from '../../broker-fixtures/index.js';
import { describeStateStore } from './state-store-conformance.js';

describeStateStore('memory', async () => ({ open: async () => new MemoryStore(), durable: false }));
