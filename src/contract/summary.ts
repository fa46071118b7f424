import { code, escapeMarkdown, table } from '../report/markdown.js';
import type { Result } from '../results/types.js';

const ICON: Record<string, string> = { pass: '✅', marginal: '🟡', fail: '❌', error: '⛔' };

/** Markdown summary of a contract result, for the job summary and the demo. */
export function renderContractSummary(result: Result): string {
  const subject = result.subject;
  const lines = [
    `### ${ICON[result.verdict] ?? ''} Contract ${code(subject.model)}: ${result.verdict}`,
    '',
    `${code(subject.productionVersion ?? 'none')} → ${code(subject.candidateVersion)}. ${escapeMarkdown(result.summary)}`,
  ];
  if (result.findings.length > 0) {
    lines.push(
      '',
      table(
        ['Severity', 'Where', 'Finding'],
        result.findings.map((f) => [
          f.severity,
          f.location ? code(`${f.location.file}${f.location.line ? `:${f.location.line}` : ''}`) : '',
          escapeMarkdown(f.message),
        ]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}
