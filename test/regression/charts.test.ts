import { describe, expect, it } from 'vitest';
import { CHART_COLOURS, chartLegend, segmentChart } from '../../src/regression/charts.js';
import type { CheckSection } from '../../src/results/types.js';
import { pairsCheck } from '../report/fixtures.js';

/** What a Mermaid xychart-beta block says: axis range, bar and line series, their colours. */
interface Chart {
  title: string;
  labels: string[];
  floor: number;
  ceiling: number;
  bars: { data: number[]; colour: string }[];
  lines: { data: number[]; colour: string }[];
}

/**
 * Reads the generated Mermaid the way xychart-beta draws it: series take the palette's
 * colours in the order they are declared, bars and lines alike.
 */
function parseChart(block: string): Chart {
  const lines = block.split('\n');
  expect(lines[0]).toBe('```mermaid');
  expect(lines.at(-1)).toBe('```');
  const init = /^%%\{init: (.*)\}%%$/.exec(lines[1] ?? '');
  expect(init, 'an init directive with the theme').not.toBeNull();
  const theme = JSON.parse(init?.[1] ?? '{}') as { themeVariables: { xyChart: { plotColorPalette: string; backgroundColor: string } } };
  const palette = theme.themeVariables.xyChart.plotColorPalette.split(',').map((c) => c.trim());
  expect(lines[2]).toBe('xychart-beta');
  const chart: Chart = { title: '', labels: [], floor: NaN, ceiling: NaN, bars: [], lines: [] };
  let series = 0;
  for (const line of lines.slice(3, -1)) {
    const text = line.trim();
    let m: RegExpExecArray | null;
    if ((m = /^title "([^"]*)"$/.exec(text))) chart.title = m[1] as string;
    else if ((m = /^x-axis \[(.*)\]$/.exec(text))) chart.labels = [...(m[1] as string).matchAll(/"([^"]*)"/g)].map((x) => x[1] as string);
    else if ((m = /^y-axis "[^"]*" (\S+) --> (\S+)$/.exec(text))) [chart.floor, chart.ceiling] = [Number(m[1]), Number(m[2])];
    else if ((m = /^(bar|line) \[(.*)\]$/.exec(text))) {
      const data = (m[2] as string).split(',').map(Number);
      const colour = palette[series++] as string;
      (m[1] === 'bar' ? chart.bars : chart.lines).push({ data, colour });
    } else throw new Error(`unexpected line: ${line}`);
  }
  expect(theme.themeVariables.xyChart.backgroundColor).toBe(CHART_COLOURS.background);
  return chart;
}

/** The colour a viewer sees at height y over category i: the last bar painted there (bars rise from the floor), else the background. */
function colourAt(chart: Chart, i: number, y: number): string {
  let colour: string = CHART_COLOURS.background;
  for (const bar of chart.bars) if (y >= chart.floor && y <= (bar.data[i] as number)) colour = bar.colour;
  return colour;
}

/** The visible coloured span of category i, sampled finely between floor and ceiling: [low, high, colour], or null. */
function visibleBar(chart: Chart, i: number): { low: number; high: number; colour: string } | null {
  const steps = 20_000;
  let span: { low: number; high: number; colour: string } | null = null;
  for (let s = 0; s <= steps; s++) {
    const y = chart.floor + ((chart.ceiling - chart.floor) * s) / steps;
    const colour = colourAt(chart, i, y);
    if (colour === CHART_COLOURS.background) continue;
    if (span === null) span = { low: y, high: y, colour };
    else if (span.colour !== colour) throw new Error(`two colours over category ${i}`);
    else span.high = y;
  }
  return span;
}

const frEnCheck = (higherIsBetter = true): CheckSection => ({
  id: 'retrieval',
  title: 'Retrieval (96 queries, k = 10)',
  verdict: 'fail',
  rows: [{ metric: 'nDCG@10', change: 0.047, higherIsBetter }],
  segments: [
    { segment: 'en', size: 48, metric: 'nDCG@10', change: 0.3441, gated: true, verdict: 'pass' },
    { segment: 'fr', size: 48, metric: 'nDCG@10', change: -0.2505, gated: true, verdict: 'fail' },
  ],
});

describe('the Mermaid chart of changes by segment', () => {
  it('draws a drop down from the zero line and a gain up from it, in red and green', () => {
    const chart = parseChart(segmentChart(frEnCheck(), 20, 0.02) as string);
    expect(chart.labels).toEqual(['fr', 'en']);
    const resolution = (chart.ceiling - chart.floor) / 10_000;
    const fr = visibleBar(chart, 0);
    const en = visibleBar(chart, 1);
    expect(fr?.colour).toBe(CHART_COLOURS.worse);
    expect(fr?.low).toBeCloseTo(-0.2505, 3);
    expect(Math.abs(fr?.high as number)).toBeLessThan(resolution);
    expect(en?.colour).toBe(CHART_COLOURS.better);
    expect(Math.abs(en?.low as number)).toBeLessThan(resolution);
    expect(en?.high).toBeCloseTo(0.3441, 3);
    // The −0.25 bar is as long as its value says: about three quarters of the +0.34 one.
    expect(((fr?.high as number) - (fr?.low as number)) / ((en?.high as number) - (en?.low as number))).toBeCloseTo(0.2505 / 0.3441, 2);
  });

  it('has a zero line and a tolerance line on the bad side, inside the axis range', () => {
    const chart = parseChart(segmentChart(frEnCheck(), 20, 0.02) as string);
    expect(chart.lines).toEqual([
      { data: [0, 0], colour: CHART_COLOURS.zero },
      { data: [-0.02, -0.02], colour: CHART_COLOURS.tolerance },
    ]);
    expect(chart.floor).toBeLessThan(-0.2505);
    expect(chart.ceiling).toBeGreaterThan(0.3441);
    // No tolerance known: no tolerance line.
    expect(parseChart(segmentChart(frEnCheck(), 20) as string).lines).toEqual([{ data: [0, 0], colour: CHART_COLOURS.zero }]);
  });

  it('for a metric where lower is better, an increase is red and the tolerance line is above zero', () => {
    const chart = parseChart(segmentChart(frEnCheck(false), 20, 0.05) as string);
    // Most regressed first: the increase.
    expect(chart.labels).toEqual(['en', 'fr']);
    expect(visibleBar(chart, 0)?.colour).toBe(CHART_COLOURS.worse);
    expect(visibleBar(chart, 1)?.colour).toBe(CHART_COLOURS.better);
    expect(visibleBar(chart, 1)?.low).toBeCloseTo(-0.2505, 3);
    expect(chart.lines[1]?.data).toEqual([0.05, 0.05]);
  });

  it('keeps the whole title: the metric without its explanation in parentheses', () => {
    const check = frEnCheck();
    for (const s of check.segments ?? []) s.metric = 'AUC (segment pairs placed against all pairs)';
    const chart = parseChart(segmentChart(check, 20, 0.02) as string);
    expect(chart.title).toBe('Change in AUC by segment');
  });

  it('draws all-negative changes below zero with nothing above it', () => {
    const chart = parseChart(segmentChart(pairsCheck(), 20, 0.02) as string);
    expect(chart.labels).toEqual(['legal', 'de', 'en']);
    expect(visibleBar(chart, 0)?.low).toBeCloseTo(-0.05, 3);
    expect(visibleBar(chart, 1)?.low).toBeCloseTo(-0.038, 3);
    expect(visibleBar(chart, 2)?.high).toBeCloseTo(0.005, 3);
    for (const i of [0, 1]) expect(visibleBar(chart, i)?.high as number).toBeLessThanOrEqual((chart.ceiling - chart.floor) / 10_000);
  });

  it('keeps untrusted segment names inside their quotes', () => {
    const check = frEnCheck();
    (check.segments as { segment: string }[])[0]!.segment = 'en"] \n%%{init: {}}%%\n```';
    const block = segmentChart(check, 20, 0.02) as string;
    expect(block.split('\n')).toHaveLength(12);
    expect(block.match(/```/g)).toHaveLength(2);
    expect(parseChart(block).labels).toEqual(['fr', 'en__ ____init_ _________']);
  });

  it('says how to read it', () => {
    expect(chartLegend(frEnCheck(), 0.02)).toBe(
      'Bars start at zero (the dark line): green is better, red is worse (higher is better). The amber line is the tolerance (−0.02): a change beyond it regresses when its interval agrees.',
    );
  });
});
