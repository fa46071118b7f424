import { LEDGER_RECORD_SCHEMA, type LedgerRecord } from '../../src/ledger/types.js';

/** A `full` promotion of `model` `version` to production, as promote records it; `fields` override. */
export function fullDeployment(model: string, version: string, fields: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    schema: LEDGER_RECORD_SCHEMA,
    operation: 'promote',
    model,
    version,
    environment: 'production',
    stage: 'full',
    trafficPercent: 100,
    artifact: { uri: null, digest: null },
    contract: { path: null, commit: null },
    gate: null,
    results: null,
    previousVersion: null,
    reason: null,
    rolledBack: [],
    runUrl: null,
    actor: null,
    time: new Date().toISOString(),
    ...fields,
  };
}
