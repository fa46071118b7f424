import type { CheckSection, Result, SegmentRow } from '../results/types.js';
import { mermaidLabel } from '../io/markdown.js';

/**
 * Colours of a change chart. The chart has its own light background so that the masking
 * bars (see `segmentChart`) match it in light and dark mode alike.
 */
export const CHART_COLOURS = {
  background: '#ffffff',
  better: '#1a7f37',
  worse: '#cf222e',
  zero: '#24292f',
  tolerance: '#bf8700',
  text: '#24292f',
} as const;

/** The tolerance of a check of an embedding-regression result, from its details; undefined when it has none. */
export function checkTolerance(result: Result, check: CheckSection): number | undefined {
  const checks = result.details?.checks;
  if (!checks || typeof checks !== 'object') return undefined;
  const settings = (checks as Record<string, { settings?: { tolerance?: unknown } } | undefined>)[check.id]?.settings;
  const tolerance = settings?.tolerance;
  return typeof tolerance === 'number' && Number.isFinite(tolerance) && tolerance >= 0 ? tolerance : undefined;
}

/** Whether a metric improves upwards, from the check's row of that metric (default: yes). */
export function higherIsBetter(check: CheckSection, metric: string | undefined): boolean {
  return check.rows.find((row) => row.metric === metric)?.higherIsBetter ?? true;
}

/** A metric's name without its explanation in parentheses: `AUC (segment pairs …)` → `AUC`. */
function shortMetric(metric: string): string {
  const cut = metric.indexOf(' (');
  return cut > 0 ? metric.slice(0, cut) : metric;
}

const round = (v: number): string => String(+v.toFixed(4));

/** Segments of the check's first segment metric with a finite change, most regressed first, at most `max`. */
export function chartedSegments(check: CheckSection, max: number): SegmentRow[] {
  const metric = check.segments?.[0]?.metric;
  const segments = (check.segments ?? []).filter((s) => s.metric === metric && typeof s.change === 'number' && Number.isFinite(s.change));
  const better = higherIsBetter(check, segments[0]?.metric);
  const change = (s: SegmentRow): number => s.change as number;
  return [...segments].sort((a, b) => (better ? change(a) - change(b) : change(b) - change(a)) || a.segment.localeCompare(b.segment)).slice(0, max);
}

/**
 * A Mermaid bar chart of the change per segment, drawn from zero: a drop goes down from the
 * zero line, a gain goes up, green when it is better and red when it is worse, with a line
 * at zero and one at the tolerance (the change beyond which the check regresses).
 *
 * Mermaid's `xychart-beta` draws every bar up from the bottom of the y axis, and later
 * series over earlier ones. So each segment gets three bars, drawn in this order: the gains
 * (up to the value, or nothing), the drops (up to zero, or nothing), and a mask in the
 * chart's background colour up to `min(value, 0)`. What stays visible is exactly the span
 * between zero and the value. Segments are ordered by change, most regressed first;
 * labels are reduced to a safe character set so nothing can break out of the chart.
 *
 * @param tolerance the check's tolerance (a positive number, in the metric's units); no
 *   tolerance line without it.
 * @returns the fenced Mermaid block, or undefined for fewer than two segments.
 */
export function segmentChart(check: CheckSection, max: number, tolerance?: number): string | undefined {
  const ordered = chartedSegments(check, max);
  if (ordered.length < 2) return undefined;
  const better = higherIsBetter(check, ordered[0]?.metric);
  const values = ordered.map((s) => s.change as number);
  // The line at the tolerance sits on the bad side of zero.
  const toleranceLine = tolerance === undefined ? undefined : better ? -tolerance : tolerance;
  const low = Math.min(0, ...values, toleranceLine ?? 0);
  const high = Math.max(0, ...values, toleranceLine ?? 0);
  const pad = (high - low) * 0.1 || 0.01;
  const floor = +(low - pad).toFixed(4);
  const ceiling = +(high + pad).toFixed(4);
  const isBetter = (v: number): boolean => (better ? v > 0 : v < 0);
  // Bars from the floor: a gain reaches its value, a drop reaches zero, the mask hides the rest.
  const up = values.map((v) => (v > 0 ? v : floor));
  const down = values.map((v) => (v < 0 ? 0 : floor));
  const mask = values.map((v) => Math.min(v, 0));
  // The gains' colour and the drops' colour depend on the metric's direction.
  const upColour = isBetter(1) ? CHART_COLOURS.better : CHART_COLOURS.worse;
  const downColour = isBetter(-1) ? CHART_COLOURS.better : CHART_COLOURS.worse;
  const palette = [upColour, downColour, CHART_COLOURS.background, CHART_COLOURS.zero, ...(toleranceLine === undefined ? [] : [CHART_COLOURS.tolerance])];
  const text = CHART_COLOURS.text;
  const theme = {
    xyChart: {
      backgroundColor: CHART_COLOURS.background,
      titleColor: text,
      xAxisLabelColor: text,
      xAxisTitleColor: text,
      xAxisTickColor: text,
      xAxisLineColor: text,
      yAxisLabelColor: text,
      yAxisTitleColor: text,
      yAxisTickColor: text,
      yAxisLineColor: text,
      plotColorPalette: palette.join(', '),
    },
  };
  const metric = mermaidLabel(shortMetric(ordered[0]?.metric ?? 'metric'), 40);
  const labels = ordered.map((s) => `"${mermaidLabel(s.segment)}"`);
  const series = (kind: 'bar' | 'line', data: readonly number[]): string => `    ${kind} [${data.map(round).join(', ')}]`;
  return [
    '```mermaid',
    `%%{init: ${JSON.stringify({ themeVariables: theme })}}%%`,
    'xychart-beta',
    `    title "Change in ${metric} by segment"`,
    `    x-axis [${labels.join(', ')}]`,
    `    y-axis "Change" ${round(floor)} --> ${round(ceiling)}`,
    series('bar', up),
    series('bar', down),
    series('bar', mask),
    series('line', values.map(() => 0)),
    ...(toleranceLine === undefined ? [] : [series('line', values.map(() => toleranceLine))]),
    '```',
  ].join('\n');
}

/** The sentence under a change chart: how to read it. */
export function chartLegend(check: CheckSection, tolerance?: number): string {
  const better = higherIsBetter(check, check.segments?.[0]?.metric);
  const parts = [`Bars start at zero (the dark line): green is better, red is worse (${better ? 'higher' : 'lower'} is better).`];
  if (tolerance !== undefined) parts.push(`The amber line is the tolerance (${better ? '−' : '+'}${round(tolerance)}): a change beyond it regresses when its interval agrees.`);
  return parts.join(' ');
}
