import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface GateFixture {
  model: string;
  version: string;
  /** The production version the gate compared against; null for a first release. */
  productionVersion: string | null;
  commit: string;
  decision: 'pass' | 'fail' | 'pending';
  approvals?: string[];
  id?: string;
}

/**
 * A `gate` result as the gate action writes it (`model-gates/result@1`, kind `gate`), written
 * by hand so promote can be tested without the gate: valid against the result schema.
 */
export function gateResult(fixture: GateFixture): object {
  const verdict = fixture.decision === 'pass' ? 'pass' : fixture.decision === 'fail' ? 'fail' : 'marginal';
  return {
    schema: 'model-gates/result@1',
    id: fixture.id ?? 'gate',
    kind: 'gate',
    subject: { model: fixture.model, candidateVersion: fixture.version, productionVersion: fixture.productionVersion },
    verdict,
    summary: `Gate ${fixture.decision}: 3 checks read, all within thresholds.`,
    metrics: {},
    checks: [],
    findings: [],
    details: { decision: fixture.decision, approvals: (fixture.approvals ?? []).map((login) => ({ login, state: 'APPROVED' })) },
    provenance: {
      tool: 'model-gates',
      version: '0.1.0',
      commit: fixture.commit,
      ref: 'refs/heads/main',
      repository: 'acme/models',
      runUrl: null,
      inputsDigest: `sha256:${'0'.repeat(64)}`,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
    },
  };
}

/** Writes a gate result into `<workspace>/<dir>/<id>.json`; returns the directory. */
export async function writeGateResult(workspace: string, dir: string, fixture: GateFixture): Promise<string> {
  const path = join(workspace, dir);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, `${fixture.id ?? 'gate'}.json`), JSON.stringify(gateResult(fixture), null, 2));
  return path;
}

/** Writes a `canary-analysis` result of `version` finished now into `<workspace>/<dir>/<id>.json`, as the action would. */
export async function writeCanaryResult(workspace: string, dir: string, fixture: { model: string; version: string; commit: string; verdict: 'pass' | 'fail' | 'marginal'; id: string }): Promise<void> {
  const result = gateResult({ model: fixture.model, version: fixture.version, productionVersion: null, commit: fixture.commit, decision: 'pass', id: fixture.id }) as Record<string, unknown> & { provenance: Record<string, unknown> };
  Object.assign(result, { kind: 'canary-analysis', verdict: fixture.verdict, summary: `canary ${fixture.verdict}: 3 metrics judged`, details: {} });
  result.provenance.finishedAt = new Date().toISOString();
  await mkdir(join(workspace, dir), { recursive: true });
  await writeFile(join(workspace, dir, `${fixture.id}.json`), JSON.stringify(result));
}
