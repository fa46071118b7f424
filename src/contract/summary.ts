import { code, escapeMarkdown, table } from '../io/markdown.js';
import type { Finding, Result, Row } from '../results/types.js';

const ICON: Record<string, string> = { pass: '✅', marginal: '🟡', fail: '❌', error: '⛔' };
const SEVERITY: Record<Finding['severity'], string> = { error: '❌ error', warning: '⚠️ warning', notice: 'ℹ️ notice' };
const KIND_ORDER = ['breaking', 'index-breaking', 'additive', 'metadata'];

interface ReportedChange {
  kind: string;
  path: string;
  message: string;
}

function changesOf(result: Result): ReportedChange[] {
  const changes = result.details?.changes;
  if (!Array.isArray(changes)) return [];
  return changes
    .filter((c): c is ReportedChange => typeof c === 'object' && c !== null && typeof c.kind === 'string' && typeof c.path === 'string' && typeof c.message === 'string')
    .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}

function cell(value: number | null | undefined): string {
  return value === undefined || value === null ? '' : escapeMarkdown(String(value));
}

function rowCells(row: Row): string[] {
  return [escapeMarkdown(row.metric), cell(row.production), cell(row.candidate), row.verdict ? `${ICON[row.verdict] ?? ''} ${row.verdict}` : '', escapeMarkdown(row.note ?? '')];
}

/**
 * Markdown summary of a contract result, for the job summary and the demo. Everything that
 * came from the contract files (names, versions, space ids, paths, messages) is escaped.
 */
export function renderContractSummary(result: Result): string {
  const subject = result.subject;
  const lines = [
    `### ${ICON[result.verdict] ?? ''} Contract ${code(subject.model)}: ${result.verdict}`,
    '',
    `${code(subject.productionVersion ?? 'none')} → ${code(subject.candidateVersion)}${subject.productionSource ? ` (production from ${code(subject.productionSource)})` : ''}. ${escapeMarkdown(result.summary)}`,
  ];
  const required = result.details?.requiredBump;
  if (typeof required === 'string') {
    lines.push('', `Required version bump: **${escapeMarkdown(required)}**. Re-index required: **${result.details?.reindexRequired === true ? 'yes' : 'no'}**.`);
  }
  for (const check of result.checks) {
    lines.push('', `#### ${ICON[check.verdict] ?? ''} ${escapeMarkdown(check.title)}`);
    if (check.summary) lines.push('', escapeMarkdown(check.summary));
    if (check.rows.length > 0) lines.push('', table(['Metric', 'Production', 'Candidate', 'Verdict', 'Note'], check.rows.map(rowCells)));
  }
  const changes = changesOf(result);
  if (changes.length > 0) {
    lines.push('', '#### Changes', '', table(['Kind', 'Where', 'Change'], changes.map((c) => [escapeMarkdown(c.kind), code(c.path), escapeMarkdown(c.message)])));
  }
  if (result.findings.length > 0) {
    lines.push(
      '',
      '#### Findings',
      '',
      table(
        ['Severity', 'Rule', 'Where', 'Finding'],
        result.findings.map((f) => [
          SEVERITY[f.severity],
          f.rule ? code(f.rule) : '',
          f.location ? code(`${f.location.file}${f.location.line ? `:${f.location.line}` : ''}`) : '',
          escapeMarkdown(f.message),
        ]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
