import { code, escapeMarkdown, table } from '../io/markdown.js';
import type { Result, Row } from '../results/types.js';

const ICON: Record<string, string> = { pass: '✅', marginal: '🟡', fail: '❌', error: '⛔' };

function num(x: number | null | undefined): string {
  if (x === null || x === undefined) return '';
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4);
}

function signed(x: number | null | undefined): string {
  if (x === null || x === undefined) return '';
  return x > 0 ? `+${num(x)}` : num(x);
}

function intervalText(row: Pick<Row, 'interval'>): string {
  return row.interval ? `[${signed(row.interval.low)}, ${signed(row.interval.high)}]` : '';
}

/** One plain line per check (`pairs: fail: …`), for the `summary` output. */
export function checkLines(result: Result): string {
  return result.checks.map((c) => `${c.id}: ${c.verdict}${c.summary ? `: ${c.summary}` : ''}`).join('\n');
}

/**
 * Markdown for the job summary: one table per check with its segments. Every text from
 * the suite (segment names, check summaries) is escaped.
 */
export function renderRegressionSummary(result: Result): string {
  const lines = [`### ${ICON[result.verdict] ?? ''} Embedding regression ${code(result.id)}: ${result.verdict}`, '', escapeMarkdown(result.summary)];
  for (const check of result.checks) {
    lines.push('', `#### ${ICON[check.verdict] ?? ''} ${escapeMarkdown(check.title)}: ${check.verdict}`);
    if (check.summary) lines.push('', escapeMarkdown(check.summary));
    if (check.rows.length > 0) {
      lines.push(
        '',
        table(
          ['Metric', 'Production', 'Candidate', 'Change', 'Interval', 'Verdict'],
          check.rows.map((r) => [escapeMarkdown(r.metric), num(r.production), num(r.candidate), signed(r.change), intervalText(r), r.verdict ?? '']),
        ),
      );
    }
    const segments = check.segments ?? [];
    if (segments.length > 0) {
      lines.push(
        '',
        table(
          ['Segment', 'Size', 'Change', 'Interval', 'Adjusted p', 'Verdict'],
          segments.map((s) => [escapeMarkdown(s.segment), String(s.size), signed(s.change), intervalText(s), num(s.adjustedPValue), s.gated === false ? `${s.verdict ?? ''} (not gating)` : (s.verdict ?? '')]),
        ),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
