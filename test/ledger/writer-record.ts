import { LEDGER_RECORD_SCHEMA, type LedgerRecord } from '../../src/ledger/types.js';

/** The record of model `writer-<n>`: its `results` text is `n` repeated, so damage shows. */
export function writerRecord(n: number, bytes: number): LedgerRecord {
  return {
    schema: LEDGER_RECORD_SCHEMA,
    operation: 'promote',
    model: `writer-${n}`,
    version: '1.0.0',
    environment: 'production',
    stage: 'full',
    trafficPercent: 100,
    artifact: { uri: `s3://models/writer-${n}`, digest: null },
    contract: { path: null, commit: null },
    gate: null,
    results: String(n % 10).repeat(bytes),
    previousVersion: null,
    reason: null,
    rolledBack: [],
    runUrl: null,
    actor: 'writer',
    time: new Date().toISOString(),
  };
}
