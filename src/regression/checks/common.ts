import type { CheckSection, Row, WorstItem } from '../../results/types.js';
import type { ComparisonOutcome } from '../compare.js';
import type { CheckSettings } from '../settings.js';

/**
 * Per-item measurements of one check, column by column (compact in JSON). `index` is the
 * item's position in the suite: shards are merged back into that order, so the bootstrap
 * sees the same sequence whether the run was sharded or not.
 */
export interface ItemTable {
  index: number[];
  id: string[];
  segment: (string | null)[];
  /** Named numeric columns, one value per item (null where a value is undefined). */
  values: Record<string, (number | null)[]>;
}

/** What one check hands to the result: its section, its flat metrics and its findings. */
export interface CheckOutput {
  section: CheckSection;
  metrics: Record<string, number | null>;
}

/** The mergeable record of one check, kept in the result's details. */
export interface CheckRecord {
  settings: CheckSettings;
  params: Record<string, unknown>;
  items: ItemTable;
  /** This run's most regressed items (a superset of the merged run's, per shard). */
  worst: WorstItem[];
}

export function emptyTable(columns: readonly string[]): ItemTable {
  return { index: [], id: [], segment: [], values: Object.fromEntries(columns.map((c) => [c, []])) };
}

/** Reorders a table's rows by suite index (shards are concatenated, then sorted). */
export function sortTable(table: ItemTable): ItemTable {
  const order = table.index.map((_, i) => i).sort((x, y) => (table.index[x] as number) - (table.index[y] as number));
  const pick = <T>(column: readonly T[]): T[] => order.map((i) => column[i] as T);
  return {
    index: pick(table.index),
    id: pick(table.id),
    segment: pick(table.segment),
    values: Object.fromEntries(Object.entries(table.values).map(([name, column]) => [name, pick(column)])),
  };
}

/** Concatenates tables with the same columns. */
export function concatTables(tables: readonly ItemTable[]): ItemTable {
  const first = tables[0];
  if (!first) throw new Error('no tables to concatenate');
  const columns = Object.keys(first.values);
  return {
    index: tables.flatMap((t) => t.index),
    id: tables.flatMap((t) => t.id),
    segment: tables.flatMap((t) => t.segment),
    values: Object.fromEntries(columns.map((c) => [c, tables.flatMap((t) => t.values[c] ?? [])])),
  };
}

export function column(table: ItemTable, name: string): Float64Array {
  const values = table.values[name];
  if (!values) throw new Error(`missing column ${name}`);
  return Float64Array.from(values, (v) => (v === null ? Number.NaN : v));
}

/**
 * The `count` worst items by `key` (lowest first), ties broken by id, so that picking from
 * the union of shards' picks gives the same list as picking from every item.
 */
export function pickWorst(pool: readonly WorstItem[], count: number, key: (item: WorstItem) => number): WorstItem[] {
  return [...pool]
    .sort((x, y) => key(x) - key(y) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))
    .slice(0, count);
}

/** Indices of the `count` lowest keys (ties by id): the items worth building WorstItems for. */
export function lowestIndices(keys: Float64Array, ids: readonly string[], count: number): number[] {
  return Array.from(keys, (_, i) => i)
    .filter((i) => Number.isFinite(keys[i]))
    .sort((x, y) => (keys[x] as number) - (keys[y] as number) || ((ids[x] as string) < (ids[y] as string) ? -1 : 1))
    .slice(0, count);
}

/** Longest item id kept in a result's worst items (the schema allows 512). */
const MAX_ID = 512;
/** An item id cut to the result's limit. */
export function clipId(id: string): string {
  return id.length > MAX_ID ? `${id.slice(0, MAX_ID - 1)}…` : id;
}

const MAX_TEXT = 500;
/** Texts in worst items are cut to a readable length (the result keeps a bounded size). */
export function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/** A row for the deciding metric of a check, with interval and verdict. */
export function decidingRow(metric: string, production: number | null, candidate: number | null, outcome: ComparisonOutcome): Row {
  return {
    metric,
    production,
    candidate,
    change: outcome.overall.estimate,
    interval: outcome.overall.interval,
    higherIsBetter: true,
    verdict: outcome.overall.verdict,
  };
}

/** A row reported for context: both models' values and the change, no verdict. */
export function infoRow(metric: string, production: number | null, candidate: number | null, higherIsBetter?: boolean, note?: string): Row {
  const row: Row = { metric, production, candidate, change: production === null || candidate === null ? null : candidate - production };
  if (higherIsBetter !== undefined) row.higherIsBetter = higherIsBetter;
  if (note) row.note = note;
  return row;
}

/** Flat metrics `<prefix>.production|candidate|change|low|high` of a row. */
export function rowMetrics(prefix: string, row: Row): Record<string, number | null> {
  const out: Record<string, number | null> = {
    [`${prefix}.production`]: row.production ?? null,
    [`${prefix}.candidate`]: row.candidate ?? null,
    [`${prefix}.change`]: row.change ?? null,
  };
  if (row.interval) {
    out[`${prefix}.low`] = row.interval.low;
    out[`${prefix}.high`] = row.interval.high;
  }
  return out;
}

/** Counts of gated segments by verdict, as metrics. */
export function segmentMetrics(prefix: string, outcome: ComparisonOutcome): Record<string, number> {
  const gated = outcome.segments.filter((s) => s.gated);
  return {
    [`${prefix}.segments`]: outcome.segments.length,
    [`${prefix}.segments_gated`]: gated.length,
    [`${prefix}.segments_failed`]: gated.filter((s) => s.verdict === 'fail').length,
  };
}

/** One sentence for the check: the deciding change, its interval and the failing segments. */
export function describeOutcome(metric: string, outcome: ComparisonOutcome, tolerance: number, digits = 3): string {
  const { estimate, interval } = outcome.overall;
  const fmt = (x: number): string => (x >= 0 ? `+${x.toFixed(digits)}` : x.toFixed(digits));
  const failing = outcome.segments.filter((s) => s.gated && s.verdict === 'fail').map((s) => s.segment);
  const parts = [`${metric} change ${fmt(estimate)} (${Math.round(interval.level * 100)}% CI ${fmt(interval.low)} to ${fmt(interval.high)}; tolerance −${tolerance})`];
  if (failing.length > 0) {
    // Bounded: the summary has a size limit, segment names come from the suite.
    const shown = failing.slice(0, 5).map((s) => (s.length > 60 ? `${s.slice(0, 59)}…` : s));
    const more = failing.length > shown.length ? ` and ${failing.length - shown.length} more` : '';
    parts.push(`regressed segment${failing.length > 1 ? 's' : ''}: ${shown.join(', ')}${more}`);
  }
  if (outcome.resamplesNeeded !== undefined) {
    parts.push(`too few resamples for ${outcome.segments.filter((s) => s.gated).length} gated segments: none could fail; set resamples to at least ${outcome.resamplesNeeded}`);
  }
  return parts.join('; ');
}
