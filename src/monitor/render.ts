import { code, escapeMarkdown, link, table } from '../io/markdown.js';
import type { Breach } from './alerting.js';
import type { MonitorFigures } from './run.js';

const ICON: Record<string, string> = { severe: '🚨', failure: '❌', warning: '🟡' };

/** The hidden first line that identifies the alert issue of a model in an environment. */
export function alertMarker(model: string, environment: string): string {
  return `<!-- model-gates:monitor:${encodeURIComponent(model)}:${encodeURIComponent(environment)} -->`;
}

function figure(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function breachRows(breaches: readonly Breach[], state: string): string[][] {
  return breaches.map((b) => [`${ICON[b.severity] ?? ''} ${code(b.check)}`, escapeMarkdown(b.severity), escapeMarkdown(state), escapeMarkdown(b.message)]);
}

/** The figures of one run as a Markdown table. */
export function figuresTable(figures: MonitorFigures): string {
  const rows: string[][] = [];
  const v = figures.vectors;
  rows.push(['probe vectors', `${v.count} probes, ${v.identical} identical`, `min cosine ${figure(v.minCosine)}, mean ${figure(v.meanCosine)}`]);
  for (const [name, c] of Object.entries(figures.scores)) {
    if (!c) continue;
    const i = c.overall.interval;
    rows.push([escapeMarkdown(name), `${c.overall.size} items`, `${figure(c.snapshotMean)} → ${figure(c.liveMean)}, change ${figure(c.overall.estimate)} [${figure(i.low)}, ${figure(i.high)}]: ${c.verdict}`]);
  }
  const d = figures.drift;
  if (d) {
    const o = d.overall;
    rows.push([
      'drift',
      `${o.reference} reference / ${o.current} current rows`,
      `classifier AUC ${figure(o.classifier.auc, 3)} (chance up to ${figure(o.classifier.threshold, 3)}, p ${figure(o.classifier.pValue, 3)}); MMD² ${figure(o.mmd.mmd2, 5)} (p ${figure(o.mmd.pValue, 3)}); drifted components ${o.components.drifted}/${o.components.dimensions}; ${o.drifted ? `drift (${o.methods.join(', ')})` : 'no drift'}`,
    ]);
    for (const s of d.segments) {
      rows.push([`drift, segment ${code(s.segment)}`, `${s.reference} / ${s.current} rows`, `AUC ${figure(s.classifier.auc, 3)}, MMD p ${figure(s.mmd.pValue, 3)}, components ${s.components.drifted}/${s.components.dimensions}; ${s.drifted ? `drift (${s.methods.join(', ')})` : 'no drift'}`]);
    }
  } else {
    rows.push(['drift', '–', 'not checked (no sample, or no reference sample in the snapshot)']);
  }
  return table(['Check', 'Size', 'Figures'], rows);
}

export interface RunFacts {
  model: string;
  environment: string;
  version: string;
  time: string;
  runUrl: string | null;
}

/** The alert issue's body: the marker, what breaches now, the figures of the latest alerting run. */
export function alertBody(facts: RunFacts, alerting: readonly Breach[], pending: readonly Breach[], figures: MonitorFigures): string {
  return [
    alertMarker(facts.model, facts.environment),
    `## ${code(facts.model)} in ${code(facts.environment)}: production breaks its promises`,
    '',
    `Version ${code(facts.version)}, last checked ${escapeMarkdown(facts.time)}${facts.runUrl ? ` (${link('run', facts.runUrl)})` : ''}. This issue is kept by model-gates monitor: it gets one comment per incident and is closed when a run finds every check healthy.`,
    '',
    table(['Check', 'Severity', 'State', 'What'], [...breachRows(alerting, 'alerting'), ...breachRows(pending, 'awaiting confirmation')]),
    '',
    figuresTable(figures),
  ].join('\n');
}

/** A GitHub user (letters, digits, inner single hyphens, at most 39) or a team (`org/team-slug`). */
const MENTIONABLE = /^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}(?:\/[A-Za-z0-9][A-Za-z0-9._-]{0,99})?$/;

/** The comment that opens an incident. */
export function incidentComment(facts: RunFacts, alerting: readonly Breach[], mentions: readonly string[]): string {
  // Only well-formed handles are mentioned: changing a malformed one could notify somebody else.
  const handles = mentions.map((m) => m.replace(/^@/, '')).filter((m) => MENTIONABLE.test(m));
  const who = handles.length > 0 ? `\n\ncc ${handles.map((m) => `@${m}`).join(' ')}` : '';
  return `New incident at ${escapeMarkdown(facts.time)}${facts.runUrl ? ` (${link('run', facts.runUrl)})` : ''}: ${alerting.map((b) => `${code(b.check)} (${escapeMarkdown(b.severity)})`).join(', ')}.${who}`;
}

/** The comment that closes an incident. */
export function recoveryComment(facts: RunFacts): string {
  return `Recovered at ${escapeMarkdown(facts.time)}${facts.runUrl ? ` (${link('run', facts.runUrl)})` : ''}: every check of ${code(facts.model)} ${code(facts.version)} in ${code(facts.environment)} is healthy again.`;
}

/** The job summary of one run. */
export function renderMonitorSummary(facts: RunFacts, verdict: string, alerting: readonly Breach[], pending: readonly Breach[], figures: MonitorFigures, notes: readonly string[]): string {
  const lines = [`### Monitor ${code(facts.model)} ${code(facts.version)} in ${code(facts.environment)}: ${escapeMarkdown(verdict)}`, ''];
  if (alerting.length + pending.length > 0) lines.push(table(['Check', 'Severity', 'State', 'What'], [...breachRows(alerting, 'alerting'), ...breachRows(pending, 'awaiting confirmation')]), '');
  lines.push(figuresTable(figures));
  for (const note of notes) lines.push('', escapeMarkdown(note));
  return lines.join('\n');
}
