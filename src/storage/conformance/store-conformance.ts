import type { Store } from '../../core/store/index.js';
import { agentConformance } from './agent-conformance.js';
import { approvalConformance } from './approval-conformance.js';
import { auditConformance } from './audit-conformance.js';
import { clientConformance } from './client-conformance.js';
import { feedConformance } from './feed-conformance.js';
import { humanConformance } from './human-conformance.js';
import { keyConformance } from './key-conformance.js';
import { policyConformance } from './policy-conformance.js';
import { retentionConformance } from './retention-conformance.js';
import { revocationConformance } from './revocation-conformance.js';
import { secretConformance } from './secret-conformance.js';
import { sessionConformance } from './session-conformance.js';
import { taskConformance } from './task-conformance.js';
import { transactionConformance } from './transaction-conformance.js';
import type { WithStore } from './fixtures.js';

/**
 * The behaviour every Store implementation must show, one suite per aggregate (the files beside
 * this one). Each dialect's test file calls this with a factory that opens a fresh, empty store;
 * nothing here knows the backend.
 */
export function storeConformance(dialect: string, open: () => Promise<Store>): void {
  const withStore: WithStore = async (fn) => {
    const s = await open();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };
  transactionConformance(dialect, withStore);
  agentConformance(dialect, withStore);
  keyConformance(dialect, withStore);
  auditConformance(dialect, withStore);
  taskConformance(dialect, withStore);
  policyConformance(dialect, withStore);
  approvalConformance(dialect, withStore);
  revocationConformance(dialect, withStore);
  secretConformance(dialect, withStore);
  humanConformance(dialect, withStore);
  feedConformance(dialect, withStore);
  sessionConformance(dialect, withStore);
  retentionConformance(dialect, withStore);
  clientConformance(dialect, withStore);
}
