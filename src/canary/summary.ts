import { code, escapeMarkdown, table } from '../io/markdown.js';
import type { CanaryJudgement, MetricJudgement } from './judge.js';

const ICON: Record<string, string> = { pass: '✅', marginal: '🟡', fail: '❌' };
const CLASS_ICON: Record<string, string> = { pass: 'pass', high: '▲ high', low: '▼ low', 'no-data': '∅ no data' };

function number(value: number | null): string {
  if (value === null) return '–';
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function shiftCell(metric: MetricJudgement): string {
  if (metric.shift === null) return '–';
  const relative = metric.relativeShift !== null ? ` (${metric.relativeShift >= 0 ? '+' : ''}${(metric.relativeShift * 100).toFixed(1)}%)` : '';
  return `${metric.shift >= 0 ? '+' : ''}${number(metric.shift)}${relative}`;
}

/** Markdown summary of a canary analysis for the job summary. */
export function renderCanarySummary(judgement: CanaryJudgement, subject: { model: string; version: string; source: string }): string {
  const rows = judgement.metrics.map((m) => [
    `${code(m.name)}${m.critical ? ' (critical)' : ''}`,
    escapeMarkdown(m.direction),
    escapeMarkdown(CLASS_ICON[m.classification] ?? m.classification),
    `${m.baselineCount} / ${m.canaryCount}`,
    number(m.baselineMedian),
    number(m.canaryMedian),
    escapeMarkdown(shiftCell(m)),
    m.failed ? '❌' : '✅',
  ]);
  return [
    `### ${ICON[judgement.verdict] ?? ''} Canary analysis ${code(subject.model)} ${code(subject.version)}: ${judgement.verdict}, score ${judgement.score}`,
    '',
    `${escapeMarkdown(judgement.reason)}. Source: ${escapeMarkdown(subject.source)}; confidence ${judgement.confidence}.`,
    '',
    table(['Metric', 'Bad when', 'Class', 'Samples (baseline / canary)', 'Baseline median', 'Canary median', 'Shift (Hodges-Lehmann)', ''], rows, [
      'left',
      'left',
      'left',
      'right',
      'right',
      'right',
      'right',
      'center',
    ]),
    '',
    ...judgement.metrics.map((m) => `- ${code(m.name)}: ${escapeMarkdown(m.reason)}`),
    '',
  ].join('\n');
}
