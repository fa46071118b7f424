import { describe, expect, it } from 'vitest';
import { renderContractSummary } from '../../src/contract/summary.js';
import { RESULT_SCHEMA, type Result } from '../../src/results/types.js';

const hostile = '<img src=x onerror=alert(1)> @octocat [click](https://evil.example) | `x`';

function result(): Result {
  return {
    schema: RESULT_SCHEMA,
    id: 'contract',
    kind: 'contract',
    subject: { model: 'm`|<b>', candidateVersion: '2.0.0', productionVersion: '1.0.0', productionSource: 'prod/<x>.yml' },
    verdict: 'fail',
    summary: 'The contract has 1 problem(s) to fix.',
    metrics: {},
    checks: [{ id: 'compatibility', title: 'Compatibility with production', verdict: 'fail', rows: [{ metric: 'embedding space', note: `s1 → ${hostile}`, verdict: 'fail' }] }],
    findings: [{ rule: 'space/same-id', severity: 'error', message: hostile, location: { file: 'models/a|b.yml', line: 3 } }],
    details: { changes: [{ kind: 'additive', path: 'io.input.properties.x', message: 'new' }, { kind: 'breaking', path: 'io.input.properties.<y>', message: hostile }], requiredBump: 'major', reindexRequired: true },
    provenance: { tool: 'model-gates', version: '0', inputsDigest: `sha256:${'0'.repeat(64)}`, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:00Z' },
  };
}

describe('renderContractSummary', () => {
  const markdown = renderContractSummary(result());

  it('escapes everything that came from the files: no HTML, no links, no mentions, no broken tables', () => {
    expect(markdown).not.toContain('<img');
    // Names and paths go in code spans, where Markdown renders HTML as literal text.
    expect(markdown).toContain('``m`\\|<b>``');
    expect(markdown).toContain('`prod/<x>.yml`');
    // Links and mentions survive only inside code spans, where they neither link nor ping.
    const prose = markdown.replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, '');
    expect(prose).not.toContain('](https://');
    expect(prose).not.toMatch(/@octocat/);
    expect(markdown).not.toMatch(/[\u200b-\u200d]/);
    expect(markdown).toContain('&lt;img');
    for (const line of markdown.split('\n').filter((l) => l.startsWith('| '))) {
      // Every table row keeps its column count: escaped pipes do not split cells.
      const header = markdown.split('\n').find((l) => l.startsWith('| ') && line.split(/(?<!\\)\|/).length === l.split(/(?<!\\)\|/).length);
      expect(header, line).toBeDefined();
    }
  });

  it('lists the changes with breaking ones first, the findings with their rule and place, and the required bump', () => {
    expect(markdown.indexOf('| breaking |')).toBeLessThan(markdown.indexOf('| additive |'));
    expect(markdown).toContain('`space/same-id`');
    expect(markdown).toContain('Required version bump: **major**. Re-index required: **yes**.');
    expect(markdown).toContain('#### ❌ Compatibility with production');
  });
});
