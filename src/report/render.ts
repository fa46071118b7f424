import { digestOf } from '../io/digest.js';
import type { CheckSection, Finding, Result, Row, SegmentRow, Verdict, WorstItem } from '../results/types.js';
import { assemble, COMMENT_LIMIT, SUMMARY_LIMIT_BYTES, utf16Length, utf8Bytes, type Assembled, type Layout, type Section } from './budget.js';
import { clip, code, details, escapeMarkdown, link, mermaidLabel, table } from '../io/markdown.js';

/** What the report knows about the run that renders it. All of it is trusted: none comes from results. */
export interface ReportContext {
  /** Report key: one sticky comment per (pull request, header). */
  header: string;
  /** `https://github.com`, or the GitHub Enterprise server URL. */
  serverUrl: string;
  /** `owner/name` of the run's own repository; links to files and commits need it. */
  repository: string | null;
  /** Commit under test; file links point at it. */
  commit: string | null;
  /** Link to the workflow run that rendered the report. */
  runUrl: string | null;
  /** The uploaded artifact holding the full report and results, when there is one. */
  artifact: { name: string; url: string | null } | null;
  toolVersion: string;
}

/** How much of each long list goes into one report. `Infinity` means everything. */
export interface RenderLimits {
  worstItems: number;
  regressedSegments: number;
  findings: number;
  chartSegments: number;
  /** Code points of one untrusted text (an item's text, a summary). */
  textLength: number;
}

export const COMMENT_LIMITS: RenderLimits = { worstItems: 10, regressedSegments: 25, findings: 50, chartSegments: 20, textLength: 200 };
export const SUMMARY_LIMITS: RenderLimits = { worstItems: 50, regressedSegments: 200, findings: 500, chartSegments: 20, textLength: 500 };
export const FULL_LIMITS: RenderLimits = { worstItems: Infinity, regressedSegments: Infinity, findings: Infinity, chartSegments: 40, textLength: Infinity };

/** A header key is part of the hidden marker, so it is restricted to characters that cannot end an HTML comment. */
export const HEADER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The hidden first line of a report comment, by which the sticky comment is found. */
export function reportMarker(header: string): string {
  if (!HEADER_PATTERN.test(header)) throw new Error(`internal error: invalid report header '${header}'`);
  return `<!-- model-gates:report:${header} -->`;
}

const ICON: Record<Verdict, string> = { pass: '✅', marginal: '🟡', fail: '❌', error: '⛔' };
const RANK: Record<Verdict, number> = { pass: 0, marginal: 1, fail: 2, error: 3 };
const HEADLINE: Record<Verdict, string> = {
  pass: 'Pass — ready to promote',
  marginal: 'Marginal — promote only with an explicit approval',
  fail: 'Fail — do not promote',
  error: 'Error — a check could not be evaluated, do not promote',
};

/** The worst of several verdicts (error > fail > marginal > pass); pass for none. */
export function overallVerdict(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((worst, v) => (RANK[v] > RANK[worst] ? v : worst), 'pass');
}

/**
 * A number for a table cell: `—` when missing, integers as they are, otherwise three
 * decimals (one from 100 up). `signed` prefixes `+` on positive values (changes); a value
 * that rounds to zero shows no sign.
 */
export function formatNumber(value: number | null | undefined, signed = false): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  let text = Number.isInteger(value) ? String(value) : Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(3);
  // A change too small to show has no direction either.
  if (/^-0(\.0+)?$/.test(text)) text = text.slice(1);
  return signed && value > 0 && /[1-9]/.test(text) ? `+${text}` : text;
}

function formatInterval(interval: Row['interval']): string {
  if (!interval) return '—';
  return `[${formatNumber(interval.low, true)}, ${formatNumber(interval.high, true)}]`;
}

function verdictCell(verdict: Verdict | undefined): string {
  return verdict ? `${ICON[verdict]} ${verdict}` : '—';
}

function subjectLine(results: readonly Result[]): string {
  // Results of one model version agree on model and candidate; a check that does not know the
  // production version (null) takes it from one that does.
  const subjects = new Map<string, Result['subject']>();
  for (const r of results) subjects.set(JSON.stringify([r.subject.model, r.subject.candidateVersion]), r.subject);
  if (subjects.size !== 1) return `${subjects.size} models`;
  const [subject] = [...subjects.values()] as [Result['subject']];
  const productions = new Set(results.map((r) => r.subject.productionVersion).filter((v): v is string => Boolean(v)));
  if (productions.size > 1) return `${code(clip(subject.model, 100))} against ${productions.size} production versions → ${code(clip(subject.candidateVersion, 64))}`;
  const [productionVersion] = [...productions];
  const production = productionVersion ? code(clip(productionVersion, 64)) : '_no production version_';
  return `${code(clip(subject.model, 100))} ${production} → ${code(clip(subject.candidateVersion, 64))}`;
}

function commitText(context: ReportContext): string {
  if (!context.commit) return '';
  const short = code(context.commit.slice(0, 7));
  if (!context.repository) return ` at ${short}`;
  return ` at [${short}](${context.serverUrl}/${context.repository}/commit/${context.commit})`;
}

function countLine(results: readonly Result[]): string {
  const counts = new Map<Verdict, number>();
  let checks = 0;
  for (const result of results) {
    const verdicts = result.checks.length > 0 ? result.checks.map((c) => c.verdict) : [result.verdict];
    for (const v of verdicts) counts.set(v, (counts.get(v) ?? 0) + 1);
    checks += verdicts.length;
  }
  const parts = (['fail', 'error', 'marginal', 'pass'] as const).filter((v) => counts.has(v)).map((v) => `${counts.get(v)} ${v}`);
  return `${results.length} result${results.length === 1 ? '' : 's'}, ${checks} check${checks === 1 ? '' : 's'}: ${parts.join(', ')}.`;
}

function overviewSection(results: readonly Result[], limits: RenderLimits): Section {
  const rows = results.map((r) => [code(r.id), r.kind, verdictCell(r.verdict), escapeMarkdown(clip(r.summary, limits.textLength))]);
  return { title: 'Overview of results', priority: 0, markdown: table(['Result', 'Kind', 'Verdict', 'Summary'], rows) };
}

function checkTable(result: Result, check: CheckSection, limits: RenderLimits): Section {
  const lines = [`#### ${ICON[check.verdict]} ${escapeMarkdown(clip(check.title, 120))} · ${code(result.id)}`];
  if (check.summary) lines.push('', escapeMarkdown(clip(check.summary, limits.textLength)));
  if (check.rows.length > 0) {
    const level = check.rows.find((row) => row.interval)?.interval?.level;
    const ciHeader = level ? `${+(level * 100).toFixed(1)}% CI` : 'CI';
    const rows = check.rows.map((row) => [
      escapeMarkdown(clip(row.metric, 80)) + (row.note ? ` (${escapeMarkdown(clip(row.note, 120))})` : ''),
      formatNumber(row.production),
      formatNumber(row.candidate),
      formatNumber(row.change, true),
      formatInterval(row.interval),
      verdictCell(row.verdict),
    ]);
    lines.push('', table(['Metric', 'Production', 'Candidate', 'Change', ciHeader, 'Verdict'], rows, ['left', 'right', 'right', 'right', 'right', 'left']));
  }
  return { title: `${result.id}: ${check.title}`, priority: check.verdict === 'pass' ? 3 : 1, markdown: lines.join('\n') };
}

/** Whether a metric improves upwards, from the check's row of that metric (default: yes). */
function higherIsBetter(check: CheckSection, metric: string | undefined): boolean {
  return check.rows.find((row) => row.metric === metric)?.higherIsBetter ?? true;
}

/**
 * Segments that regress: a marginal or failing verdict, or a change in the bad direction
 * whose whole interval lies on the bad side of zero (also for segments too small to gate).
 */
export function regressedSegments(check: CheckSection): SegmentRow[] {
  const bad = (s: SegmentRow): boolean => {
    if (s.verdict === 'fail' || s.verdict === 'marginal' || s.verdict === 'error') return true;
    if (!s.interval) return false;
    return higherIsBetter(check, s.metric) ? s.interval.high < 0 : s.interval.low > 0;
  };
  return (check.segments ?? [])
    .filter(bad)
    .sort((a, b) => RANK[b.verdict ?? 'pass'] - RANK[a.verdict ?? 'pass'] || (a.change ?? 0) - (b.change ?? 0) || a.segment.localeCompare(b.segment));
}

function more(shown: number, total: number, what: string): string {
  return total > shown ? `\n\n_${total - shown} more ${what} in the full report._` : '';
}

function segmentsSection(result: Result, check: CheckSection, limits: RenderLimits): Section | undefined {
  const regressed = regressedSegments(check);
  if (regressed.length === 0) return undefined;
  const shown = regressed.slice(0, limits.regressedSegments);
  const rows = shown.map((s) => [
    escapeMarkdown(clip(s.segment, 80)),
    String(s.size),
    escapeMarkdown(clip(s.metric ?? '', 60)),
    formatNumber(s.production),
    formatNumber(s.candidate),
    formatNumber(s.change, true),
    formatInterval(s.interval),
    s.adjustedPValue === undefined || s.adjustedPValue === null ? '—' : s.adjustedPValue < 0.001 ? '<0.001' : s.adjustedPValue.toFixed(3),
    s.gated === false ? `${verdictCell(s.verdict)} (too small to gate)` : verdictCell(s.verdict),
  ]);
  const title = `Segments that regress in ${check.title}`;
  const markdown = [
    `**${escapeMarkdown(clip(title, 160))}** (${regressed.length})`,
    '',
    table(['Segment', 'Size', 'Metric', 'Production', 'Candidate', 'Change', 'CI', 'Adjusted p', 'Verdict'], rows, ['left', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'left']),
  ].join('\n');
  return { title: `${result.id}: ${title}`, priority: 2, markdown: markdown + more(shown.length, regressed.length, 'regressed segments') };
}

/**
 * A Mermaid bar chart of the change per segment (GitHub renders it; no image hosting).
 * Segments are ordered by change, most regressed first, at most `max` of them; labels
 * are reduced to a safe character set so nothing can break out of the chart.
 */
export function segmentChart(check: CheckSection, max: number): string | undefined {
  const segments = (check.segments ?? []).filter((s) => typeof s.change === 'number' && Number.isFinite(s.change));
  if (segments.length < 2) return undefined;
  const better = higherIsBetter(check, segments[0]?.metric);
  const ordered = [...segments].sort((a, b) => (better ? (a.change as number) - (b.change as number) : (b.change as number) - (a.change as number)) || a.segment.localeCompare(b.segment)).slice(0, max);
  const values = ordered.map((s) => s.change as number);
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  const pad = (high - low) * 0.1 || 0.01;
  const round = (v: number): string => String(+v.toFixed(4));
  const labels = ordered.map((s) => `"${mermaidLabel(s.segment)}"`);
  const metric = mermaidLabel(segments[0]?.metric ?? 'metric', 40);
  return [
    '```mermaid',
    'xychart-beta',
    `    title "Change in ${metric} by segment"`,
    `    x-axis [${labels.join(', ')}]`,
    `    y-axis "Change" ${round(low - pad)} --> ${round(high + pad)}`,
    `    bar [${values.map(round).join(', ')}]`,
    '```',
  ].join('\n');
}

function chartSection(result: Result, check: CheckSection, limits: RenderLimits): Section | undefined {
  const chart = segmentChart(check, limits.chartSegments);
  if (!chart) return undefined;
  const title = `Change by segment in ${check.title}`;
  return { title: `${result.id}: ${title}`, priority: 6, markdown: details(clip(title, 160), chart) };
}

function itemTexts(item: WorstItem, limits: RenderLimits): string {
  return (item.texts ?? []).map((t) => escapeMarkdown(clip(t, limits.textLength))).join(' ↔ ');
}

function worstSection(result: Result, check: CheckSection, limits: RenderLimits): Section | undefined {
  const worst = check.worst ?? [];
  if (worst.length === 0) return undefined;
  const shown = worst.slice(0, limits.worstItems);
  const rows = shown.map((item) => [
    code(clip(item.id, 80)),
    item.segment ? escapeMarkdown(clip(item.segment, 80)) : '—',
    item.label ? escapeMarkdown(clip(item.label, 40)) : '—',
    itemTexts(item, limits),
    formatNumber(item.production),
    formatNumber(item.candidate),
    formatNumber(item.change, true),
  ]);
  const title = `Most regressed items in ${check.title} (${shown.length} of ${worst.length})`;
  const body = table(['Id', 'Segment', 'Label', 'Texts', 'Production', 'Candidate', 'Change'], rows, ['left', 'left', 'left', 'left', 'right', 'right', 'right']);
  return { title: `${result.id}: ${title}`, priority: 4, markdown: details(clip(title, 200), body + more(shown.length, worst.length, 'items')) };
}

/** A relative, plain path that can go into a URL; anything else gets no link. */
function linkablePath(file: string): string | undefined {
  const path = file.replace(/^\.\//, '');
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) return undefined;
  const parts = path.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return undefined;
  return parts.map(encodeURIComponent).join('/');
}

/**
 * Where a finding is, linked to the file line at the commit under test. The URL is built
 * from the run's own server, repository and commit; the file path only fills in the path,
 * percent-encoded, and is never linked when it is absolute or climbs out with `..`.
 */
export function findingLocation(finding: Finding, context: ReportContext): string {
  if (!finding.location) return '—';
  const { file, line } = finding.location;
  const text = `${clip(file, 200)}${line ? `:${line}` : ''}`;
  const path = linkablePath(file);
  if (!path || !context.repository || !context.commit) return code(text);
  return link(text, `${context.serverUrl}/${context.repository}/blob/${context.commit}/${path}${line ? `#L${line}` : ''}`);
}

function findingsSection(result: Result, context: ReportContext, limits: RenderLimits): Section | undefined {
  if (result.findings.length === 0) return undefined;
  const order: Record<Finding['severity'], number> = { error: 0, warning: 1, notice: 2 };
  const sorted = [...result.findings].sort((a, b) => order[a.severity] - order[b.severity]);
  const shown = sorted.slice(0, limits.findings);
  const rows = shown.map((f) => [f.severity, findingLocation(f, context), f.rule ? code(clip(f.rule, 60)) : '—', escapeMarkdown(clip(f.message, limits.textLength))]);
  const title = `Findings of ${result.id}`;
  const markdown = [`**${escapeMarkdown(title)}** (${result.findings.length})`, '', table(['Severity', 'Where', 'Rule', 'Finding'], rows)].join('\n');
  const hasErrors = result.findings.some((f) => f.severity === 'error');
  return { title, priority: hasErrors ? 1 : 5, markdown: markdown + more(shown.length, result.findings.length, 'findings') };
}

function footer(results: readonly Result[], context: ReportContext): string {
  const digest = digestOf(results.map((r) => r.provenance.inputsDigest).sort());
  const parts = [`model-gates ${escapeMarkdown(context.toolVersion)}`, `report ${code(context.header)}`];
  if (context.runUrl) parts.push(link('workflow run', context.runUrl));
  if (context.artifact) parts.push(context.artifact.url ? `full report: ${link(context.artifact.name, context.artifact.url)}` : `full report: artifact ${code(context.artifact.name)}`);
  parts.push(`inputs ${code(digest.slice(0, 'sha256:'.length + 12))}`);
  return `---\n<sub>${parts.join(' · ')}</sub>`;
}

/**
 * Lays a report out as head, sections and foot: the marker and the verdict line, an
 * overview of results, per check its table, regressed segments, a chart and the most
 * regressed items, the findings, and a footer with the run link, tool version and inputs
 * digest. Every untrusted text is escaped here.
 *
 * @param results merged results (one per check id), in the order to show them.
 */
export function layoutReport(results: readonly Result[], context: ReportContext, limits: RenderLimits): Layout {
  const verdict = overallVerdict(results.map((r) => r.verdict));
  const head = [
    reportMarker(context.header),
    `### ${ICON[verdict]} ${HEADLINE[verdict]}: ${subjectLine(results)}${commitText(context)}`,
    '',
    countLine(results),
  ].join('\n');
  const sections: Section[] = [overviewSection(results, limits)];
  for (const result of results) {
    for (const check of result.checks) {
      sections.push(checkTable(result, check, limits));
      for (const extra of [segmentsSection(result, check, limits), chartSection(result, check, limits), worstSection(result, check, limits)]) {
        if (extra) sections.push(extra);
      }
    }
    const findings = findingsSection(result, context, limits);
    if (findings) sections.push(findings);
  }
  return { head, sections, foot: footer(results, context) };
}

function omissionNote(context: ReportContext, limitText: string): (omitted: readonly Section[]) => string {
  return (omitted) => {
    if (omitted.length === 0) return '';
    const names = omitted.slice(0, 8).map((s) => escapeMarkdown(clip(s.title, 100)));
    const rest = omitted.length > names.length ? `, and ${omitted.length - names.length} more` : '';
    const where = context.artifact
      ? context.artifact.url
        ? `The full report is in the ${link(context.artifact.name, context.artifact.url)} artifact.`
        : `The full report is in the ${code(context.artifact.name)} artifact of this run.`
      : 'Set the `artifact-name` input to keep the full report as an artifact.';
    return `> ✂️ Left out to stay within ${limitText}: ${names.join('; ')}${rest}. ${where}`;
  };
}

/** The report as a PR comment: at most 65,536 characters, whole sections left out beyond that. */
export function renderComment(results: readonly Result[], context: ReportContext): Assembled {
  return assemble(layoutReport(results, context, COMMENT_LIMITS), {
    limit: COMMENT_LIMIT,
    measure: utf16Length,
    note: omissionNote(context, "GitHub's 65,536-character comment limit"),
  });
}

/** The report as a job summary: under 1 MiB of UTF-8 (a margin is kept for the runner's own additions). */
export function renderSummary(results: readonly Result[], context: ReportContext): Assembled {
  return assemble(layoutReport(results, context, SUMMARY_LIMITS), {
    limit: SUMMARY_LIMIT_BYTES - 4096,
    measure: utf8Bytes,
    note: omissionNote(context, "the job summary's 1 MiB limit"),
  });
}

/** The full report for the artifact: every item and segment, no size limit. */
export function renderFull(results: readonly Result[], context: ReportContext): string {
  const layout = layoutReport(results, context, FULL_LIMITS);
  return `${[layout.head, ...layout.sections.map((s) => s.markdown), layout.foot].join('\n\n')}\n`;
}
