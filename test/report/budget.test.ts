import { describe, expect, it } from 'vitest';
import { assemble, COMMENT_LIMIT, SUMMARY_LIMIT_BYTES, utf16Length, utf8Bytes, type Section } from '../../src/report/budget.js';
import { renderComment, renderSummary } from '../../src/report/render.js';
import type { CheckSection } from '../../src/results/types.js';
import { context, pairsCheck, result } from './fixtures.js';

/** A suite with `checks` checks, each with thousands of regressed segments and items with long texts. */
function hugeSuite(checks: number) {
  const long = 'ü'.repeat(3000);
  const list: CheckSection[] = Array.from({ length: checks }, (_, c) =>
    pairsCheck({
      id: `check-${c}`,
      title: `Check ${c}`,
      segments: Array.from({ length: 2000 }, (_, i) => ({ segment: `segment-${i}`, size: 100, metric: 'pair AUC', change: -0.01 - i / 1e5, interval: { low: -0.05, high: -0.001, level: 0.95 }, verdict: 'fail' as const })),
      worst: Array.from({ length: 3000 }, (_, i) => ({ id: `pair-${c}-${i}`, texts: [long, long], segment: `segment-${i % 50}`, change: -i / 3000 })),
    }),
  );
  // One small instance is validated; the rest are the same shape.
  result({ verdict: 'fail', checks: list.slice(0, 1).map((c) => ({ ...c, segments: c.segments?.slice(0, 3), worst: c.worst?.slice(0, 3) })) });
  return [result({ verdict: 'fail', checks: list }, false)];
}

function fencesBalanced(markdown: string): boolean {
  return (markdown.match(/^```/gm)?.length ?? 0) % 2 === 0 && markdown.split('<details>').length === markdown.split('</details>').length;
}

describe('size budget', () => {
  it('keeps a comment with thousands of regressed items within 65,536 characters, cutting whole sections', () => {
    const results = hugeSuite(40);
    const { markdown, omitted } = renderComment(results, context({ artifact: { name: 'model-gates-report', url: 'https://github.com/acme/search/actions/runs/1234/artifacts/5' } }));
    expect(utf16Length(markdown)).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect([...markdown].length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(omitted.length).toBeGreaterThan(0);
    expect(fencesBalanced(markdown)).toBe(true);
    // What was cut is named, with a link to the artifact.
    expect(markdown).toContain("> ✂️ Left out to stay within GitHub's 65,536-character comment limit:");
    expect(markdown).toContain('The full report is in the [model\\-gates\\-report](https://github.com/acme/search/actions/runs/1234/artifacts/5) artifact.');
    // The verdict line and the footer always stay.
    expect(markdown.split('\n')[1]).toMatch(/^### ❌ Fail/);
    expect(markdown).toMatch(/<sub>model-gates .*<\/sub>\n$/);
    // The least important sections go first: charts and item lists before check tables.
    expect(omitted.every((s) => s.priority >= 2)).toBe(true);
    expect(markdown).toContain('#### ❌ Check 0 · `embedding-regression`');
  });

  it('keeps the job summary under 1 MiB', () => {
    const { markdown, omitted } = renderSummary(hugeSuite(40), context());
    expect(utf8Bytes(markdown)).toBeLessThan(SUMMARY_LIMIT_BYTES);
    expect(omitted.length).toBeGreaterThan(0);
    expect(fencesBalanced(markdown)).toBe(true);
    expect(markdown).toContain("the job summary's 1 MiB limit");
  });

  it('drops the highest priority number first, the later section among equals, and keeps report order', () => {
    const section = (title: string, priority: number, size: number): Section => ({ title, priority, markdown: title.padEnd(size, '.') });
    const layout = { head: 'H', foot: 'F', sections: [section('a', 1, 40), section('b', 3, 40), section('c', 2, 40), section('d', 3, 40)] };
    const note = (omitted: readonly Section[]): string => `cut ${omitted.map((s) => s.title).join(',')}`;
    // Everything: H + 4×(40+2) + 2 + F + newline = 173.
    expect(assemble(layout, { limit: 173, measure: utf16Length, note }).omitted).toEqual([]);
    const cut = assemble(layout, { limit: 150, measure: utf16Length, note });
    expect(cut.omitted.map((s) => s.title)).toEqual(['d']);
    expect(cut.markdown).toBe(`H\n\n${'a'.padEnd(40, '.')}\n\n${'b'.padEnd(40, '.')}\n\n${'c'.padEnd(40, '.')}\n\ncut d\n\nF\n`);
    expect(assemble(layout, { limit: 100, measure: utf16Length, note }).omitted.map((s) => s.title)).toEqual(['b', 'd']);
  });
});
